//! Documents: issuing invoices, receipts and credit notes with gap-free numbers, and reading
//! them. Every issue is one transaction with the order's event; nothing here changes an issued
//! document.

use crate::order::ShopContext;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::access::Actor;
use tilaus_domain::bank::transfer::transfer_codes;
use tilaus_domain::customer::{Address, CustomerKind};
use tilaus_domain::document::{
    Buyer, CreditScope, CreditedDocument, DocumentContent, DocumentKind, DocumentLine,
    PaymentTerms, Seller, credit_lines, document_totals,
};
use tilaus_domain::event::EventKind;
use tilaus_domain::money::{Currency, VatRate};
use tilaus_domain::order::{OrderState, PaymentState, ProductKind};
use tilaus_domain::payment_methods::AcceptedMethod;
use tilaus_domain::reference::Reference;
use tilaus_domain::text;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::document::{self, DocumentRow};
use tilaus_store::{Queries, ShopScope, StoreError, Tx, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// An issued document as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub order_id: Uuid,
    /// receipt, invoice, credit_note or transfer_slip.
    pub kind: String,
    /// The sequential identifier as printed: the series prefix and the number (`L-1001`).
    pub number: String,
    /// The number within the kind's series, without the prefix.
    pub sequence_number: i64,
    /// The Finnish reference number (machine form, digits only) of invoices and transfer slips.
    pub reference: Option<String>,
    /// The reference in groups of five, as printed.
    pub reference_printed: Option<String>,
    /// The ISO 11649 (RF) form of the reference.
    pub rf_reference: Option<String>,
    /// The 54-digit bank barcode (virtuaaliviivakoodi, version 4) of an invoice or transfer slip
    /// with something to pay into the shop's IBAN.
    pub bank_barcode: Option<String>,
    pub currency: String,
    /// Gross, minor units (negative on credit notes).
    pub total: i64,
    pub issue_date: String,
    pub due_date: Option<String>,
    /// On credit notes: the document they correct.
    pub credits_document_id: Option<Uuid>,
    pub pdf_url: String,
    pub issued_by: String,
    pub created_at: String,
    /// Everything the document says, frozen at issue: seller, buyer, lines with net unit prices,
    /// VAT per rate, totals, payment terms.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

impl From<&DocumentRow> for DocumentView {
    fn from(d: &DocumentRow) -> Self {
        let reference = d
            .reference
            .as_deref()
            .and_then(|r| Reference::parse(r).ok());
        let codes = content_of(d)
            .map(|content| transfer_codes(&content))
            .unwrap_or_default();
        DocumentView {
            id: d.document_id,
            order_id: d.order_id,
            kind: d.kind.clone(),
            number: d.display_number.clone(),
            sequence_number: d.number,
            reference: d.reference.clone(),
            reference_printed: reference.map(|r| r.printed()),
            rf_reference: codes.rf_reference.map(|rf| rf.as_str().to_owned()),
            bank_barcode: codes.bank_barcode.map(|b| b.as_str().to_owned()),
            currency: d.currency.clone(),
            total: d.total,
            issue_date: d.issue_date.clone(),
            due_date: d.due_date.clone(),
            credits_document_id: d.credits_document_id,
            pdf_url: format!("/api/v1/documents/{}/pdf", d.document_id),
            issued_by: d.actor_label.clone(),
            created_at: crate::time::rfc3339(d.created_at),
            content: serde_json::from_str(&d.content).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A credit note: leave `lines` out to credit everything that remains creditable.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteRequest {
    pub lines: Option<Vec<CreditLineInput>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLineInput {
    /// The line's position on the original document.
    pub position: i32,
    /// How many units to credit; at most what remains of the line.
    pub quantity: i64,
}

/// The highest number a series may be set to: leaves the 7-3-1 reference (prefix digit, number,
/// check digit) well within its 20 digits.
pub const MAX_DOCUMENT_NUMBER: i64 = 999_999_999_999;

fn corrupt(column: &'static str, value: impl std::fmt::Display) -> AppError {
    AppError::Store(StoreError::corrupt(column, value))
}

pub(crate) fn order_state(row: &order::OrderRow) -> Result<OrderState, AppError> {
    OrderState::parse(&row.state).ok_or_else(|| corrupt("orders.state", &row.state))
}

pub(crate) fn content_of(row: &DocumentRow) -> Result<DocumentContent, AppError> {
    serde_json::from_str(&row.content).map_err(|e| corrupt("documents.content", e))
}

/// The order's lines as document lines.
pub(crate) fn order_lines(
    lines: &[order::LineRow],
    prices_include_vat: bool,
) -> Result<Vec<DocumentLine>, AppError> {
    lines
        .iter()
        .map(|l| {
            let kind =
                ProductKind::parse(&l.kind).ok_or_else(|| corrupt("order_lines.kind", &l.kind))?;
            let rate = VatRate::new(i64::from(l.vat_rate))
                .map_err(|_| corrupt("order_lines.vat_rate", l.vat_rate))?;
            Ok(DocumentLine::new(
                l.position,
                l.sku.clone(),
                l.name.clone(),
                kind,
                l.quantity,
                l.unit_price,
                l.discount,
                rate,
                prices_include_vat,
            )?)
        })
        .collect()
}

fn address(json: Option<&str>) -> Option<Address> {
    json.and_then(|a| serde_json::from_str(a).ok())
}

/// What a new document is about; the number, dates and parties are filled in at issue.
pub(crate) struct Issue<'a> {
    pub kind: DocumentKind,
    pub order: &'a order::OrderRow,
    pub lines: Vec<DocumentLine>,
    pub credits: Option<CreditedDocument>,
}

/// Issues a document inside `tx`: builds its content, takes the next number of its series (as
/// late as possible: the series row stays locked until COMMIT) and writes it. The caller appends
/// the order's event.
pub(crate) async fn issue(
    tx: &mut Tx,
    scope: ShopScope,
    shop: &ShopContext,
    actor: &Actor,
    issue: Issue<'_>,
) -> Result<DocumentRow, AppError> {
    let o = issue.order;
    let currency =
        Currency::parse(&o.currency).ok_or_else(|| corrupt("orders.currency", &o.currency))?;
    let totals = document_totals(&issue.lines, o.prices_include_vat)?;
    let now = now_micros();
    let issue_date = jiff::Timestamp::from_microsecond(now)
        .map_err(|e| corrupt("clock", e))?
        .to_zoned_datetime(shop.zone.clone())
        .date();
    let terms = if issue.kind.has_due_date() {
        Some(invoicing_terms(tx, scope).await?)
    } else {
        None
    };
    let due_date = terms
        .map(|t| t.due_date(issue_date))
        .transpose()
        .map_err(|e| AppError::invalid("/payment_terms_days", e))?;
    let seller = Seller {
        name: shop.row.name.clone(),
        business_id: shop.row.business_id.clone(),
        vat_id: shop.row.vat_id.clone(),
        address: address(Some(&shop.row.address)),
        iban: shop.row.iban.clone(),
        bic: shop.row.bic.clone(),
    };
    let buyer = Buyer {
        kind: CustomerKind::parse(&o.customer_kind).unwrap_or(CustomerKind::Consumer),
        name: o.customer_name.clone(),
        business_id: o.customer_business_id.clone(),
        vat_id: o.customer_vat_id.clone(),
        contact_person: o.customer_contact_person.clone(),
        email: o.customer_email.clone(),
        address: address(o.billing_address.as_deref()).or(address(o.delivery_address.as_deref())),
    };
    // Last before writing: from here the series row is locked until COMMIT.
    let taken = document::take_number(tx, scope, issue.kind.as_str()).await?;
    let reference = issue
        .kind
        .reference_prefix()
        .map(|prefix| Reference::for_number(prefix, taken.number))
        .transpose()
        .map_err(|e| corrupt("document_series.next_number", e))?;
    let display_number = format!("{}{}", taken.prefix, taken.number);
    let content = DocumentContent {
        kind: issue.kind,
        number: display_number.clone(),
        order_number: o.number,
        language: o.language.clone(),
        currency,
        prices_include_vat: o.prices_include_vat,
        issue_date,
        due_date,
        payment_terms: terms,
        reference: reference.clone(),
        seller,
        buyer,
        lines: issue.lines,
        totals,
        credits: issue.credits,
    };
    let row = DocumentRow {
        document_id: Uuid::now_v7(),
        order_id: o.order_id,
        kind: issue.kind.as_str().into(),
        number: taken.number,
        display_number,
        reference: reference.map(|r| r.as_str().to_owned()),
        currency: currency.as_str().into(),
        total: content.totals.gross,
        issue_date: issue_date.to_string(),
        due_date: due_date.map(|d| d.to_string()),
        credits_document_id: content.credits.as_ref().map(|c| c.id),
        content: serde_json::to_string(&content).map_err(|e| corrupt("documents.content", e))?,
        actor_kind: actor.kind.as_str().into(),
        actor_id: actor.id,
        actor_label: actor.label.clone(),
        created_at: now,
    };
    document::insert(tx, scope, &row).await?;
    Ok(row)
}

/// A document of the whole order (an invoice or a transfer slip), and the state change it makes.
struct OrderDocument<'a> {
    kind: DocumentKind,
    order: &'a order::OrderRow,
    /// The `order.state_changed` data, when issuing moves the order on.
    state_change: Option<serde_json::Value>,
}

impl OrderDocument<'_> {
    /// Issues it of the order's lines and records the events, inside `tx`: the number first
    /// (the series row), the events after (the shop's event counter), as every issue does.
    async fn issue(
        self,
        tx: &mut Tx,
        scope: ShopScope,
        shop: &ShopContext,
        actor: &Actor,
    ) -> Result<DocumentRow, AppError> {
        let order_id = self.order.order_id;
        let lines = order_lines(
            &order::lines(tx, scope, order_id).await?,
            self.order.prices_include_vat,
        )?;
        let of = Issue {
            kind: self.kind,
            order: self.order,
            lines,
            credits: None,
        };
        let row = issue(tx, scope, shop, actor, of).await?;
        if let Some(change) = self.state_change {
            let kind = EventKind::OrderStateChanged;
            crate::order::append_event(tx, scope, order_id, kind, actor, change).await?;
        }
        let issued = issued_event(&row);
        let kind = EventKind::DocumentIssued;
        crate::order::append_event(tx, scope, order_id, kind, actor, issued).await?;
        Ok(row)
    }
}

/// The data of a `document.issued` event.
pub(crate) fn issued_event(row: &DocumentRow) -> serde_json::Value {
    json!({"document_id": row.document_id, "kind": row.kind, "number": row.display_number,
        "reference": row.reference, "total": row.total, "due_date": row.due_date})
}

async fn invoicing_terms(q: &mut impl Queries, scope: ShopScope) -> Result<PaymentTerms, AppError> {
    Ok(match document::invoicing(q, scope).await? {
        None => PaymentTerms::default(),
        Some(row) => PaymentTerms {
            days: i64::from(row.payment_terms_days),
            late_interest: row
                .late_interest
                .map(|bp| {
                    VatRate::new(i64::from(bp))
                        .map_err(|_| corrupt("shop_invoicing.late_interest", bp))
                })
                .transpose()?,
        },
    })
}

/// Whether the order already has a receipt or an invoice (credit notes and transfer slips do not
/// document the sale itself).
pub(crate) fn has_sales_document(documents: &[DocumentRow]) -> bool {
    documents
        .iter()
        .any(|d| DocumentKind::parse(&d.kind).is_some_and(DocumentKind::is_creditable))
}

/// A numbering series as the shop sets it: the prefix printed before the number (`L-`) and the
/// number the next document gets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesSettings {
    pub prefix: String,
    pub next_number: i64,
}

/// The shop's invoicing terms.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoicingTerms {
    /// Days from issue to due date, 0–365.
    pub payment_terms_days: i64,
    /// An agreed late-payment interest in basis points; null for the statutory rate.
    pub late_interest: Option<i64>,
}

/// A numbering series as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SeriesView {
    /// receipt, invoice, credit_note or transfer_slip.
    pub kind: String,
    pub prefix: String,
    pub next_number: i64,
}

impl App {
    /// Every document kind's series: as set, or as a first document would start it (no prefix,
    /// number 1).
    pub async fn document_series(
        &self,
        principal: &Principal,
    ) -> Result<Vec<SeriesView>, AppError> {
        let mut conn = self.db.read().await?;
        let set = document::series(&mut conn, principal.read_scope()).await?;
        Ok(DocumentKind::ALL
            .iter()
            .map(|kind| {
                let row = set.iter().find(|r| r.kind == kind.as_str());
                SeriesView {
                    kind: kind.as_str().into(),
                    prefix: row.map(|r| r.prefix.clone()).unwrap_or_default(),
                    next_number: row.map_or(1, |r| r.next_number),
                }
            })
            .collect())
    }

    /// The payment terms and late-payment interest new invoices print.
    pub async fn invoicing_terms(&self, principal: &Principal) -> Result<InvoicingTerms, AppError> {
        let mut conn = self.db.read().await?;
        let terms = invoicing_terms(&mut conn, principal.read_scope()).await?;
        Ok(InvoicingTerms {
            payment_terms_days: terms.days,
            late_interest: terms.late_interest.map(|r| i64::from(r.basis_points())),
        })
    }

    /// Sets a series' prefix and next number. The next number may skip ahead (a shop moving
    /// over from another system) but never back to a number already issued.
    pub async fn set_document_series(
        &self,
        principal: &Principal,
        kind: &str,
        settings: &SeriesSettings,
    ) -> Result<SeriesSettings, AppError> {
        let scope = principal.admin_scope()?;
        let mut errors = ValidationErrors::default();
        let kind = DocumentKind::parse(kind).ok_or_else(|| {
            AppError::invalid(
                "/kind",
                format!("'{kind}' is not one of {}", DocumentKind::expected()),
            )
        })?;
        let prefix = errors.check("/prefix", text::optional(Some(&settings.prefix), 10));
        if !(1..=MAX_DOCUMENT_NUMBER).contains(&settings.next_number) {
            errors.push(
                "/next_number",
                format!("must be from 1 to {MAX_DOCUMENT_NUMBER}"),
            );
        }
        errors.into_result()?;
        let prefix = prefix.flatten().unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let highest = document::highest_number(&mut tx, scope, kind.as_str()).await?;
        if settings.next_number <= highest {
            return Err(AppError::invalid(
                "/next_number",
                format!("{highest} has been issued already; the next number must be above it"),
            ));
        }
        let row = document::SeriesRow {
            kind: kind.as_str().into(),
            prefix: prefix.clone(),
            next_number: settings.next_number,
        };
        document::set_series(&mut tx, scope, &row).await?;
        tx.commit().await?;
        Ok(SeriesSettings {
            prefix,
            next_number: settings.next_number,
        })
    }

    /// Sets the payment terms and late-payment interest that new invoices print.
    pub async fn set_invoicing_terms(
        &self,
        principal: &Principal,
        terms: &InvoicingTerms,
    ) -> Result<InvoicingTerms, AppError> {
        let scope = principal.admin_scope()?;
        let mut errors = ValidationErrors::default();
        let days = errors.check(
            "/payment_terms_days",
            PaymentTerms::parse_days(terms.payment_terms_days),
        );
        let interest = terms
            .late_interest
            .map(|bp| errors.check("/late_interest", VatRate::new(bp)));
        errors.into_result()?;
        let row = document::InvoicingRow {
            payment_terms_days: days.and_then(|d| i32::try_from(d).ok()).unwrap_or(14),
            late_interest: interest
                .flatten()
                .and_then(|r| i32::try_from(r.basis_points()).ok()),
        };
        let mut tx = self.db.begin().await?;
        document::set_invoicing(&mut tx, scope, &row, now_micros()).await?;
        tx.commit().await?;
        Ok(terms.clone())
    }

    /// Issues an invoice for a confirmed order and moves it to `invoiced`.
    pub async fn issue_invoice(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<DocumentView, AppError> {
        self.issue_invoice_once(principal, order_id, None)
            .await?
            .fresh()
    }

    /// [`App::issue_invoice`], once per `Idempotency-Key` when one is given: a retry (after a
    /// lost answer) replays the first answer, the same invoice, instead of a 409.
    pub async fn issue_invoice_once(
        &self,
        principal: &Principal,
        order_id: Uuid,
        key: Option<&crate::order::IdempotencyKey>,
    ) -> Result<crate::idempotent::Keyed<DocumentView>, AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        if let Some(replay) = crate::idempotent::claim_if(&mut tx, scope, key).await? {
            return Ok(crate::idempotent::Keyed::Replayed(replay));
        }
        let before = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let state = order_state(&before)?;
        state.ensure_invoiceable()?;
        crate::paylink::accepted_methods(&mut tx, scope)
            .await?
            .ensure(AcceptedMethod::Invoice)?;
        if has_sales_document(&document::for_order(&mut tx, scope, order_id).await?) {
            return Err(AppError::Conflict(
                "the order already has a receipt or an invoice; correct it with a credit note"
                    .into(),
            ));
        }
        let shop = self.shop_context(&mut tx, scope).await?;
        let after = order::OrderRow {
            state: OrderState::Invoiced.as_str().into(),
            updated_at: now_micros(),
            version: before.version + 1,
            ..before.clone()
        };
        let tags: Vec<String> = serde_json::from_str(&before.tags).unwrap_or_default();
        if !order::update(&mut tx, scope, &after, before.version, None, &tags).await? {
            return Err(AppError::Conflict(
                "the order was changed at the same time; reload and try again".into(),
            ));
        }
        let state_change =
            json!({"before": {"state": state}, "after": {"state": OrderState::Invoiced}});
        let invoice = OrderDocument {
            kind: DocumentKind::Invoice,
            order: &after,
            state_change: Some(state_change),
        };
        let row = invoice
            .issue(&mut tx, scope, &shop, &principal.actor)
            .await?;
        let view = DocumentView::from(&row);
        crate::idempotent::remember_if(&mut tx, scope, key, 201, &view).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(crate::idempotent::Keyed::Fresh(view))
    }

    /// Issues a transfer slip for a confirmed, unpaid order (prepayment by bank transfer,
    /// tilisiirto): the customer pays by its reference before delivery, and the payment found by
    /// that reference makes the order paid and issues its receipt. The order stays confirmed;
    /// one slip per order.
    pub async fn issue_transfer_slip(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<DocumentView, AppError> {
        self.issue_transfer_slip_once(principal, order_id, None)
            .await?
            .fresh()
    }

    /// [`App::issue_transfer_slip`], once per `Idempotency-Key` when one is given: a retry
    /// replays the same slip instead of a 409.
    pub async fn issue_transfer_slip_once(
        &self,
        principal: &Principal,
        order_id: Uuid,
        key: Option<&crate::order::IdempotencyKey>,
    ) -> Result<crate::idempotent::Keyed<DocumentView>, AppError> {
        let scope = principal.write_scope()?;
        let mut tx = self.db.begin().await?;
        if let Some(replay) = crate::idempotent::claim_if(&mut tx, scope, key).await? {
            return Ok(crate::idempotent::Keyed::Replayed(replay));
        }
        let order = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        order_state(&order)?.ensure_prepayable()?;
        crate::paylink::accepted_methods(&mut tx, scope)
            .await?
            .ensure(AcceptedMethod::Prepayment)?;
        let documents = document::for_order(&mut tx, scope, order_id).await?;
        if has_sales_document(&documents) {
            return Err(AppError::Conflict(
                "the order already has a receipt or an invoice, which says how to pay".into(),
            ));
        }
        let slip = DocumentKind::TransferSlip.as_str();
        if let Some(issued) = documents.iter().find(|d| d.kind == slip) {
            return Err(AppError::Conflict(format!(
                "the order already has transfer slip {}",
                issued.display_number
            )));
        }
        if order.payment_state != PaymentState::Unpaid.as_str() {
            return Err(AppError::Conflict(
                "a transfer slip asks for the whole sum, and this order has payments already; \
                 record the rest as a payment"
                    .into(),
            ));
        }
        let shop = self.shop_context(&mut tx, scope).await?;
        let slip = OrderDocument {
            kind: DocumentKind::TransferSlip,
            order: &order,
            state_change: None,
        };
        let row = slip.issue(&mut tx, scope, &shop, &principal.actor).await?;
        let view = DocumentView::from(&row);
        crate::idempotent::remember_if(&mut tx, scope, key, 201, &view).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(crate::idempotent::Keyed::Fresh(view))
    }

    pub async fn get_document(
        &self,
        principal: &Principal,
        document_id: Uuid,
    ) -> Result<DocumentView, AppError> {
        let mut conn = self.db.read().await?;
        let row = document::get(&mut conn, principal.read_scope(), document_id)
            .await?
            .ok_or(AppError::NotFound("document"))?;
        Ok(DocumentView::from(&row))
    }

    /// A document with its frozen content, for printing it.
    pub async fn document_with_content(
        &self,
        principal: &Principal,
        document_id: Uuid,
    ) -> Result<(DocumentView, DocumentContent), AppError> {
        let mut conn = self.db.read().await?;
        let row = document::get(&mut conn, principal.read_scope(), document_id)
            .await?
            .ok_or(AppError::NotFound("document"))?;
        Ok((DocumentView::from(&row), content_of(&row)?))
    }

    /// The order's documents in the order they were issued.
    pub async fn order_documents(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<Vec<DocumentView>, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        if order::get(&mut conn, scope, order_id).await?.is_none() {
            return Err(AppError::NotFound("order"));
        }
        let rows = document::for_order(&mut conn, scope, order_id).await?;
        Ok(rows.iter().map(DocumentView::from).collect())
    }

    /// Issues a credit note for a receipt or invoice: all that remains creditable, or chosen
    /// quantities of chosen lines. The order's payment state follows (what it asks for shrinks).
    pub async fn issue_credit_note(
        &self,
        principal: &Principal,
        document_id: Uuid,
        request: &CreditNoteRequest,
    ) -> Result<DocumentView, AppError> {
        self.issue_credit_note_once(principal, document_id, request, None)
            .await?
            .fresh()
    }

    /// [`App::issue_credit_note`], once per `Idempotency-Key` when one is given: a retry replays
    /// the first credit note instead of crediting the rest as well.
    pub async fn issue_credit_note_once(
        &self,
        principal: &Principal,
        document_id: Uuid,
        request: &CreditNoteRequest,
        key: Option<&crate::order::IdempotencyKey>,
    ) -> Result<crate::idempotent::Keyed<DocumentView>, AppError> {
        let scope = principal.write_scope()?;
        let credit_scope = match &request.lines {
            None => CreditScope::Full,
            Some(lines) => {
                CreditScope::Lines(lines.iter().map(|l| (l.position, l.quantity)).collect())
            }
        };
        let mut tx = self.db.begin().await?;
        if let Some(replay) = crate::idempotent::claim_if(&mut tx, scope, key).await? {
            return Ok(crate::idempotent::Keyed::Replayed(replay));
        }
        let original = document::get(&mut tx, scope, document_id)
            .await?
            .ok_or(AppError::NotFound("document"))?;
        let content = content_of(&original)?;
        if !content.kind.is_creditable() {
            return Err(AppError::Conflict(format!(
                "a {} cannot be credited; only receipts and invoices can",
                content.kind
            )));
        }
        let mut earlier = Vec::new();
        for credit in document::credits_of(&mut tx, scope, document_id).await? {
            earlier.extend(content_of(&credit)?.lines);
        }
        let lines = credit_lines(&content.lines, &earlier, &credit_scope)?;
        let order_row = order::get(&mut tx, scope, original.order_id)
            .await?
            .ok_or_else(|| corrupt("documents.order_id", original.order_id))?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let credits = CreditedDocument {
            id: original.document_id,
            kind: content.kind,
            number: content.number.clone(),
            issue_date: content.issue_date,
        };
        let row = issue(
            &mut tx,
            scope,
            &shop,
            &principal.actor,
            Issue {
                kind: DocumentKind::CreditNote,
                order: &order_row,
                lines,
                credits: Some(credits),
            },
        )
        .await?;
        crate::payment::refresh_payment_state(&mut tx, scope, &order_row).await?;
        crate::order::append_event(
            &mut tx,
            scope,
            original.order_id,
            EventKind::DocumentIssued,
            &principal.actor,
            issued_event(&row),
        )
        .await?;
        let view = DocumentView::from(&row);
        crate::idempotent::remember_if(&mut tx, scope, key, 201, &view).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(crate::idempotent::Keyed::Fresh(view))
    }
}
