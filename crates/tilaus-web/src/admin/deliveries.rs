//! The order page's Deliveries tab (ORD-13): start processing, ship a parcel with its carrier
//! and tracking, mark it delivered, and tell the customer the order is late. Each goes through
//! the same use case as the API, and the shop's rules send the messages.

use super::actions::{done, refused};
use super::detail::{Outcome, order_id};
use super::guard::Staff;
use super::render::Page;
use axum::Form;
use axum::extract::{Path, State};
use serde::Deserialize;
use tilaus_app::delivery::{DelayNotice, DeliveryInput};
use tilaus_app::{App, AppError};
use uuid::Uuid;

const TAB: &str = "deliveries";

/// A new delivery, or the next step of one, as the form sends it (blank fields are absent).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeliveryForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking_number: String,
    #[serde(default)]
    tracking_url: String,
    /// The order the delivery belongs to (for the way back).
    #[serde(default)]
    order: String,
}

impl DeliveryForm {
    fn input(&self) -> DeliveryInput {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        DeliveryInput {
            step: given(&self.step),
            carrier: given(&self.carrier),
            tracking_number: given(&self.tracking_number),
            tracking_url: given(&self.tracking_url),
        }
    }
}

fn keep() -> Outcome {
    Outcome {
        tab: TAB,
        ..Outcome::default()
    }
}

pub(crate) async fn add(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<DeliveryForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    match app.add_delivery(&staff.principal, id, &form.input()).await {
        Ok(_) => done(id, "delivery-added", TAB),
        Err(error) => refused(&app, &staff, id, error, keep()).await,
    }
}

pub(crate) async fn advance(
    State(app): State<App>,
    staff: Staff,
    Path(delivery): Path<String>,
    Form(form): Form<DeliveryForm>,
) -> Page {
    let order = order_id(&staff, &form.order)?;
    let Ok(delivery) = Uuid::parse_str(&delivery) else {
        let missing = AppError::NotFound("delivery");
        return Err(super::render::app_error(&staff.ctx, missing));
    };
    match app
        .advance_delivery(&staff.principal, delivery, &form.input())
        .await
    {
        Ok(_) => done(order, "delivery-advanced", TAB),
        Err(error) => refused(&app, &staff, order, error, keep()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DelayForm {
    #[serde(default)]
    expected_on: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn delay(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<DelayForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let notice = DelayNotice {
        expected_on: form.expected_on,
        reason: Some(form.reason).filter(|r| !r.trim().is_empty()),
    };
    match app.notify_delay(&staff.principal, id, &notice).await {
        Ok(()) => done(id, "delay", TAB),
        Err(error) => refused(&app, &staff, id, error, keep()).await,
    }
}
