//! What staff do to one order from its page: move its state (cancelling with a reason), add a
//! note, add and remove tags, change its language (ORD-19) and delivery address (ORD-21), and
//! delete an open order after a confirmation page, and make a confirmation link (ORD-7) or a
//! payment link (ORD-6). Each form posts, the app decides, and the page comes back either with a
//! notice (redirect) or with the domain's reason and the input kept.

use super::detail::{AddressFields, MadeLink, MessageDraft, Outcome, order_id, render_order};
use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use crate::print::{self, PrintError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::confirmation::NewConfirmationLink;
use tilaus_app::message::{NewMessage, Resend};
use tilaus_app::order::{OrderChanges, StateChange};
use tilaus_app::paylink::NewPaymentLink;
use tilaus_app::payment::NewPayment;
use tilaus_app::{App, AppError};
use tilaus_domain::money::{Currency, parse_major};
use tilaus_domain::order::OrderState;
use uuid::Uuid;

pub(super) fn done(id: Uuid, what: &str, tab: &str) -> Page {
    Ok(Redirect::to(&format!("/admin/orders/{id}?done={what}&tab={tab}")).into_response())
}

/// After a refused action: the order again, with the reason on top and nothing changed.
pub(super) async fn refused(
    app: &App,
    staff: &Staff,
    id: Uuid,
    error: AppError,
    outcome: Outcome,
) -> Page {
    match error {
        AppError::State(_) | AppError::Invalid(_) | AppError::Conflict(_) => {
            let (status, message, details) = render::explain(staff.ctx.lang, &error);
            let outcome = Outcome {
                status,
                error: Some(message),
                details,
                ..outcome
            };
            render_order(app, staff, id, outcome).await
        }
        other => Err(render::app_error(&staff.ctx, other)),
    }
}

#[derive(Deserialize)]
pub(crate) struct StateForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn change_state(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    let keep = Outcome {
        reason_draft: form.reason.clone(),
        ..Outcome::default()
    };
    // Staff say why they cancel: the customer will ask, and the history must answer.
    if form.state == OrderState::Cancelled.as_str() && reason.is_none() {
        let error = AppError::invalid("/reason", staff.ctx.lang.t("error-cancel-reason"));
        return refused(&app, &staff, id, error, keep).await;
    }
    let change = StateChange {
        state: form.state,
        reason,
    };
    match app.change_order_state(&staff.principal, id, &change).await {
        Ok(_) => done(id, "state", "products"),
        Err(error) => refused(&app, &staff, id, error, keep).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    body: String,
}

pub(crate) async fn add_note(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    match app.add_note(&staff.principal, id, &form.body).await {
        Ok(_) => done(id, "note", "notes"),
        Err(error) => {
            let keep = Outcome {
                tab: "notes",
                note_draft: form.body,
                ..Outcome::default()
            };
            refused(&app, &staff, id, error, keep).await
        }
    }
}

/// Applies `changes` made against the order version the page showed (a concurrent edit is a
/// conflict, not a silent overwrite).
async fn edit(
    app: &App,
    staff: &Staff,
    id: Uuid,
    changes: OrderChanges,
    what: &str,
    keep: Outcome,
) -> Page {
    match app.update_order(&staff.principal, id, &changes).await {
        Ok(_) => done(id, what, keep.tab),
        Err(error) => refused(app, staff, id, error, keep).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct TagsForm {
    version: Option<i64>,
    /// One tag, or several separated by commas.
    #[serde(default)]
    add: String,
    #[serde(default)]
    remove: String,
}

/// The order's tags after adding and removing; the domain normalises and validates them.
fn edited_tags(current: &[String], add: &str, remove: &str) -> Vec<String> {
    let mut tags: Vec<String> = current
        .iter()
        .filter(|t| t.as_str() != remove.trim())
        .cloned()
        .collect();
    tags.extend(
        add.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    );
    tags
}

pub(crate) async fn change_tags(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<TagsForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let order = app
        .get_order(&staff.principal, id)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let changes = OrderChanges {
        tags: Some(edited_tags(&order.summary.tags, &form.add, &form.remove)),
        expected_version: form.version,
        ..OrderChanges::default()
    };
    edit(&app, &staff, id, changes, "tags", Outcome::default()).await
}

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    version: Option<i64>,
    #[serde(default)]
    language: String,
}

pub(crate) async fn change_language(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<LanguageForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let changes = OrderChanges {
        language: Some(form.language),
        expected_version: form.version,
        ..OrderChanges::default()
    };
    edit(&app, &staff, id, changes, "language", Outcome::default()).await
}

#[derive(Deserialize)]
pub(crate) struct DeliveryForm {
    version: Option<i64>,
    #[serde(flatten)]
    address: AddressFields,
}

pub(crate) async fn change_delivery(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<DeliveryForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let changes = OrderChanges {
        delivery_address: Some(form.address.to_address()),
        expected_version: form.version,
        ..OrderChanges::default()
    };
    let keep = Outcome {
        address_draft: Some(form.address),
        ..Outcome::default()
    };
    edit(&app, &staff, id, changes, "delivery", keep).await
}

/// Invoices a confirmed order (ORD-4's "create invoice"); the PDF is on the same tab.
pub(crate) async fn issue_invoice(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let issued = app.issue_invoice(&staff.principal, id).await;
    document_issued(&app, &staff, id, issued.map(|_| ()), "invoice").await
}

/// Issues a transfer slip for prepayment by bank transfer.
pub(crate) async fn issue_transfer_slip(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let issued = app.issue_transfer_slip(&staff.principal, id).await;
    document_issued(&app, &staff, id, issued.map(|_| ()), "transfer-slip").await
}

/// Back to the payments tab with the `done` notice, or with why the document was refused.
async fn document_issued(
    app: &App,
    staff: &Staff,
    id: Uuid,
    issued: Result<(), AppError>,
    what: &str,
) -> Page {
    let keep = Outcome {
        tab: "payments",
        ..Outcome::default()
    };
    match issued {
        Ok(()) => done(id, what, "payments"),
        Err(error) => refused(app, staff, id, error, keep).await,
    }
}

/// Makes a confirmation link for an open order (ORD-7) and shows its URL this once, to copy
/// into the staff's own message (only its hash is kept, so it cannot be shown again).
pub(crate) async fn create_confirmation_link(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let made = app
        .create_confirmation_link(&staff.principal, id, &NewConfirmationLink::default())
        .await
        .map(|link| link.url);
    show_link(&app, &staff, id, made, "confirmation-link").await
}

/// Makes a payment link for the order (ORD-6) and shows it once to copy.
pub(crate) async fn create_payment_link(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let made = app
        .create_payment_link(&staff.principal, id, &NewPaymentLink::default())
        .await
        .map(|link| link.url);
    show_link(&app, &staff, id, made, "payment-link").await
}

/// The order with the link just made (`kind` names its texts), or with why none was.
async fn show_link(
    app: &App,
    staff: &Staff,
    id: Uuid,
    made: Result<String, AppError>,
    kind: &str,
) -> Page {
    let lang = staff.ctx.lang;
    match made {
        Ok(url) => {
            let shown = Outcome {
                status: StatusCode::CREATED,
                notice: Some(lang.t(&format!("notice-{kind}"))),
                link: Some(MadeLink {
                    url,
                    hint: lang.t(&format!("{kind}-once")),
                }),
                ..Outcome::default()
            };
            render_order(app, staff, id, shown).await
        }
        Err(error) => refused(app, staff, id, error, Outcome::default()).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct PaymentForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    reference: String,
}

/// Records money taken at the counter, by phone or from a bank statement.
pub(crate) async fn record_payment(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<PaymentForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let keep = Outcome {
        tab: "payments",
        amount_draft: form.amount.clone(),
        ..Outcome::default()
    };
    let order = app
        .get_order(&staff.principal, id)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let currency = Currency::parse(&order.summary.currency).unwrap_or(Currency::Eur);
    let amount = match parse_major(&form.amount, currency) {
        Ok(amount) => amount,
        Err(reason) => {
            return refused(&app, &staff, id, AppError::invalid("/amount", reason), keep).await;
        }
    };
    let payment = NewPayment {
        method: form.method,
        amount,
        reference: Some(form.reference.trim().to_owned()).filter(|r| !r.is_empty()),
        document_id: None,
    };
    match app.record_payment(&staff.principal, id, &payment).await {
        Ok(_) => done(id, "payment", "payments"),
        Err(error) => refused(&app, &staff, id, error, keep).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct ResendForm {
    #[serde(default)]
    order: String,
}

/// Sends a message of the order's log again, as a new message linked to the original.
pub(crate) async fn resend_message(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<ResendForm>,
) -> Page {
    let order = order_id(&staff, &form.order)?;
    let not_found = || render::app_error(&staff.ctx, AppError::NotFound("message"));
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    match app
        .resend_message(&staff.principal, id, &Resend::default())
        .await
    {
        Ok(_) => done(order, "resend", "messages"),
        Err(error) => {
            let keep = Outcome {
                tab: "messages",
                ..Outcome::default()
            };
            refused(&app, &staff, order, error, keep).await
        }
    }
}

/// A message staff write to the customer (ORD-14); refused input comes back as typed.
pub(crate) async fn write_message(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<MessageDraft>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let optional = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let message = NewMessage {
        subject: form.subject.clone(),
        body: form.body.clone(),
        to: optional(&form.to),
    };
    match app.write_message(&staff.principal, id, &message).await {
        Ok(_) => done(id, "message", "messages"),
        Err(error) => {
            let keep = Outcome {
                tab: "messages",
                message_draft: form,
                ..Outcome::default()
            };
            refused(&app, &staff, id, error, keep).await
        }
    }
}

/// An issued document as PDF, for staff signed in to its shop.
pub(crate) async fn document_pdf(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    let not_found = || render::app_error(&staff.ctx, AppError::NotFound("document"));
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    match print::document_pdf(&app, &staff.principal, id).await {
        Ok(pdf) => Ok(pdf.into_response()),
        Err(PrintError::App(error)) => Err(render::app_error(&staff.ctx, error)),
        Err(other) => {
            tracing::error!(%id, error = %other, "a document could not be rendered");
            Err(render::message(
                &staff.ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-title",
                &staff.ctx.lang.t("error-pdf"),
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/delete.html")]
struct DeletePage {
    t: Lang,
    layout: Layout,
    id: String,
    question: String,
}

/// "Really delete?" as a page of its own, so that the question is asked also without JavaScript.
pub(crate) async fn confirm_delete(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let lang = staff.ctx.lang;
    let order = app
        .get_order(&staff.principal, id)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let o = &order.summary;
    let page = DeletePage {
        t: lang,
        layout: Layout::new(
            &staff.ctx,
            lang.t_args("delete-title", &[("number", o.number.to_string())]),
            "orders",
        ),
        id: id.to_string(),
        question: lang.t_args(
            "delete-question",
            &[
                ("number", o.number.to_string()),
                ("customer", o.customer.name.clone()),
                ("total", lang.money(o.totals.gross, &o.currency)),
            ],
        ),
    };
    Ok((StatusCode::OK, page).into_response())
}

pub(crate) async fn delete(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Page {
    let id = order_id(&staff, &id)?;
    match app.delete_order(&staff.principal, id).await {
        Ok(()) => Ok(Redirect::to("/admin/orders").into_response()),
        Err(error) => refused(&app, &staff, id, error, Outcome::default()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::edited_tags;

    #[test]
    fn tags_are_added_by_comma_and_removed_exactly() {
        let current = vec!["vip".to_owned(), "gift".to_owned()];
        assert_eq!(
            edited_tags(&current, " call , later,", ""),
            ["vip", "gift", "call", "later"]
        );
        assert_eq!(edited_tags(&current, "", "gift"), ["vip"]);
        assert_eq!(edited_tags(&current, "", "gif"), ["vip", "gift"]);
    }
}
