//! Documents and payments: invoices, credit notes, manual payments and payments by reference.

use crate::Problem;
use crate::extract::{Auth, Id, JsonBody};
use crate::print::{self, PrintError};
use crate::problem::ApiError;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use tilaus_app::App;
use tilaus_app::bulk_invoice::BulkInvoiceRequest;
use tilaus_app::document::{CreditNoteRequest, DocumentView};
use tilaus_app::payment::{NewPayment, OrderPayments, PaymentByReference, RecordedPayment};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/orders/{id}/invoice", post(issue_invoice))
        .route(
            "/api/v1/orders/{id}/transfer-slip",
            post(issue_transfer_slip),
        )
        .route("/api/v1/orders/invoices", post(issue_invoices))
        .route("/api/v1/orders/{id}/documents", get(order_documents))
        .route(
            "/api/v1/orders/{id}/payments",
            post(record_payment).get(order_payments),
        )
        .route("/api/v1/payments/by-reference", post(record_by_reference))
        .route("/api/v1/documents/{id}", get(get_document))
        .route("/api/v1/documents/{id}/pdf", get(document_pdf))
        .route(
            "/api/v1/documents/{id}/credit-note",
            post(issue_credit_note),
        )
}

/// Issues an invoice for a confirmed order (which becomes `invoiced`), numbered gap-free in the
/// shop's invoice series, with a Finnish reference number and a due date from the shop's terms.
#[utoipa::path(post, path = "/api/v1/orders/{id}/invoice", tag = "documents", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key replays the first answer, the same invoice")),
    responses((status = 201, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The order is not confirmed, or already has a receipt or invoice", body = Problem)))]
pub(crate) async fn issue_invoice(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let key = super::idempotency_key(&headers, &format!("/api/v1/orders/{id}/invoice"), &body)?;
    let answer = app.issue_invoice_once(&principal, id, key.as_ref()).await?;
    Ok(super::keyed_answer(StatusCode::CREATED, answer))
}

/// Issues a transfer slip for a confirmed, unpaid order (prepayment by bank transfer): the
/// customer pays by its reference (bank barcode and EPC QR on the PDF), and the payment recorded
/// by that reference makes the order paid and issues its receipt. The order stays confirmed.
#[utoipa::path(post, path = "/api/v1/orders/{id}/transfer-slip", tag = "documents", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key replays the first answer, the same slip")),
    responses((status = 201, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The order is not confirmed, has payments or a document already, or the shop takes no prepayment", body = Problem)))]
pub(crate) async fn issue_transfer_slip(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let path = format!("/api/v1/orders/{id}/transfer-slip");
    let key = super::idempotency_key(&headers, &path, &body)?;
    let answer = app
        .issue_transfer_slip_once(&principal, id, key.as_ref())
        .await?;
    Ok(super::keyed_answer(StatusCode::CREATED, answer))
}

/// One order of a bulk invoicing run: its invoice, or the problem that kept it from one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkInvoiceResult {
    pub order_id: uuid::Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkInvoiceResponse {
    pub invoiced: usize,
    pub failed: usize,
    /// In the request's order, each order once.
    pub results: Vec<BulkInvoiceResult>,
}

/// Invoices many confirmed orders in one call (NTF-8). Each order is invoiced on its own, in
/// its own transaction: the answer lists every order's invoice or its problem, and an order
/// that was refused is left exactly as it was.
#[utoipa::path(post, path = "/api/v1/orders/invoices", tag = "documents", request_body = BulkInvoiceRequest,
    responses((status = 200, body = BulkInvoiceResponse), (status = 403, body = Problem),
        (status = 422, description = "No orders, or more than 200", body = Problem)))]
pub(crate) async fn issue_invoices(
    State(app): State<App>,
    Auth(principal): Auth,
    body: JsonBody<BulkInvoiceRequest>,
) -> Result<Json<BulkInvoiceResponse>, ApiError> {
    let outcomes = app.issue_invoices(&principal, &body.value).await?;
    let results: Vec<BulkInvoiceResult> = outcomes
        .into_iter()
        .map(|o| match o.result {
            Ok(document) => BulkInvoiceResult {
                order_id: o.order_id,
                document: Some(document),
                problem: None,
            },
            Err(error) => BulkInvoiceResult {
                order_id: o.order_id,
                document: None,
                problem: Some(Problem::from(error)),
            },
        })
        .collect();
    let invoiced = results.iter().filter(|r| r.document.is_some()).count();
    Ok(Json(BulkInvoiceResponse {
        invoiced,
        failed: results.len() - invoiced,
        results,
    }))
}

/// The order's documents in the order they were issued.
#[utoipa::path(get, path = "/api/v1/orders/{id}/documents", tag = "documents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = Problem)))]
pub(crate) async fn order_documents(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<Vec<DocumentView>>, ApiError> {
    Ok(Json(app.order_documents(&principal, id).await?))
}

/// One issued document with its full content.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = Problem)))]
pub(crate) async fn get_document(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<DocumentView>, ApiError> {
    Ok(Json(app.get_document(&principal, id).await?))
}

/// The document as a PDF/A in its own language: what the customer and the accountant get.
#[utoipa::path(get, path = "/api/v1/documents/{id}/pdf", tag = "documents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "The document as PDF", content_type = "application/pdf"),
        (status = 404, body = Problem)))]
pub(crate) async fn document_pdf(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Response {
    match print::document_pdf(&app, &principal, id).await {
        Ok(pdf) => pdf.into_response(),
        Err(PrintError::App(error)) => ApiError::from(error).into_response(),
        Err(other) => {
            tracing::error!(%id, error = %other, "a document could not be rendered");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "pdf-failed",
                "the document could not be rendered as PDF; its content is at /api/v1/documents/{id}",
            )
            .into_response()
        }
    }
}

/// Issues a credit note for a receipt or invoice: send `{}` to credit all that remains, or
/// `{"lines": [{"position": 1, "quantity": 1}]}` for part of it.
#[utoipa::path(post, path = "/api/v1/documents/{id}/credit-note", tag = "documents", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body replay the first answer instead of crediting again")),
    request_body = CreditNoteRequest,
    responses((status = 201, body = DocumentView), (status = 404, body = Problem),
        (status = 409, description = "The document cannot be credited", body = Problem),
        (status = 422, description = "More than remains creditable, or an unknown line", body = Problem)))]
pub(crate) async fn issue_credit_note(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    headers: HeaderMap,
    body: JsonBody<CreditNoteRequest>,
) -> Result<Response, ApiError> {
    let path = format!("/api/v1/documents/{id}/credit-note");
    let key = super::idempotency_key(&headers, &path, &body.raw)?;
    let answer = app
        .issue_credit_note_once(&principal, id, &body.value, key.as_ref())
        .await?;
    Ok(super::keyed_answer(StatusCode::CREATED, answer))
}

/// Records a payment taken by hand (cash, card terminal, bank transfer, other). A confirmed order
/// without a receipt or invoice that is now paid in full gets its receipt and becomes `paid`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "documents", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body replay the first answer instead of recording the money again")),
    request_body = NewPayment,
    responses((status = 201, body = RecordedPayment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The order's state takes no payments (open or cancelled)", body = Problem),
        (status = 422, body = Problem)))]
pub(crate) async fn record_payment(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
    headers: HeaderMap,
    body: JsonBody<NewPayment>,
) -> Result<Response, ApiError> {
    let key = super::idempotency_key(
        &headers,
        &format!("/api/v1/orders/{id}/payments"),
        &body.raw,
    )?;
    let answer = app
        .record_payment_once(&principal, id, &body.value, key.as_ref())
        .await?;
    Ok(super::keyed_answer(StatusCode::CREATED, answer))
}

/// The order's payments, its payment state and what is still due.
#[utoipa::path(get, path = "/api/v1/orders/{id}/payments", tag = "documents", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = OrderPayments), (status = 404, body = Problem)))]
pub(crate) async fn order_payments(
    State(app): State<App>,
    Auth(principal): Auth,
    Id(id): Id,
) -> Result<Json<OrderPayments>, ApiError> {
    Ok(Json(app.order_payments(&principal, id).await?))
}

/// Records a bank payment by its reference number alone: the shop's invoice or transfer slip
/// with that reference names the order.
#[utoipa::path(post, path = "/api/v1/payments/by-reference", tag = "documents", request_body = PaymentByReference,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body replay the first answer")),
    responses((status = 201, body = RecordedPayment), (status = 403, body = Problem),
        (status = 404, description = "No invoice or transfer slip of the shop has this reference", body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn record_by_reference(
    State(app): State<App>,
    Auth(principal): Auth,
    headers: HeaderMap,
    body: JsonBody<PaymentByReference>,
) -> Result<Response, ApiError> {
    let key = super::idempotency_key(&headers, "/api/v1/payments/by-reference", &body.raw)?;
    let answer = app
        .record_payment_by_reference_once(&principal, &body.value, key.as_ref())
        .await?;
    Ok(super::keyed_answer(StatusCode::CREATED, answer))
}
