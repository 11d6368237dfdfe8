//! What staff do to one payment from the order's Payments tab: capture or cancel an authorised
//! one (FUL-4), refund one taken through Stripe or Visma Pay. The provider is asked first; the order page
//! comes back with a notice, or with the provider's or the domain's reason and nothing changed.

use super::actions::{done, refused};
use super::detail::{Outcome, order_id};
use super::guard::Staff;
use super::render::{self, Page};
use axum::Form;
use axum::extract::{Path, State};
use serde::Deserialize;
use tilaus_app::paylink::NewRefund;
use tilaus_app::payment::RecordedPayment;
use tilaus_app::{App, AppError};
use tilaus_domain::money::{Currency, parse_major};
use uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct PaymentForm {
    /// The order whose page the form is on.
    #[serde(default)]
    order: String,
    /// A refund's amount in major units; blank refunds all that is left.
    #[serde(default)]
    amount: String,
}

/// The order's page after `act` on the payment.
async fn answer(
    app: &App,
    staff: &Staff,
    form: &PaymentForm,
    what: &str,
    act: Result<RecordedPayment, AppError>,
) -> Page {
    let order = order_id(staff, &form.order)?;
    match act {
        Ok(_) => done(order, what, "payments"),
        Err(error) => {
            let keep = Outcome {
                tab: "payments",
                ..Outcome::default()
            };
            refused(app, staff, order, error, keep).await
        }
    }
}

/// `POST /admin/payments/{id}/{action}`: `capture`, `cancel` or `refund`.
pub(crate) async fn act(
    State(app): State<App>,
    staff: Staff,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<PaymentForm>,
) -> Page {
    let not_found = |what| render::app_error(&staff.ctx, AppError::NotFound(what));
    let id = Uuid::parse_str(&id).map_err(|_| not_found("payment"))?;
    let principal = &staff.principal;
    let (done, what) = match action.as_str() {
        "capture" => (app.capture_payment(principal, id).await, "captured"),
        "cancel" => (app.cancel_payment(principal, id).await, "cancelled"),
        "refund" => {
            let refunded = match refund_amount(&form.amount) {
                Ok(amount) => {
                    app.refund_payment(principal, id, &NewRefund { amount })
                        .await
                }
                Err(error) => Err(error),
            };
            (refunded, "refunded")
        }
        _ => return Err(not_found("page")),
    };
    answer(&app, &staff, &form, what, done).await
}

/// A refund's amount as typed: blank for all that is left.
fn refund_amount(text: &str) -> Result<Option<i64>, AppError> {
    match text.trim() {
        "" => Ok(None),
        // Refunds are in the payment's currency; the shops' payments are in euros today.
        text => parse_major(text, Currency::Eur)
            .map(Some)
            .map_err(|reason| AppError::invalid("/amount", reason)),
    }
}
