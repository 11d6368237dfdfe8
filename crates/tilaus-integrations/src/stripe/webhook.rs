//! Webhook events about Checkout Sessions, read after their signature was verified.
//!
//! Stripe's Checkout fulfilment guide: `checkout.session.completed` with `payment_status: paid`
//! is money; `completed` with `unpaid` is a delayed method (bank debits) whose
//! `checkout.session.async_payment_succeeded` or `…_failed` follows; `checkout.session.expired`
//! ends a session nobody paid. Refunds report through `refund.updated` (e.g. pending →
//! succeeded) and `refund.failed` (also after succeeding: a closed card). Events may come twice
//! and in any order.

use serde::Deserialize;

use super::{CheckoutSession, Refund};

/// What a session (or an event about it) says of its payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOutcome {
    Paid,
    /// Nothing was or will be paid in this session.
    Failed,
    /// Not decided yet.
    Open,
}

/// A webhook event, as much of it as we act on.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

impl Event {
    /// Reads an event body (already verified).
    pub fn parse(body: &[u8]) -> Result<Event, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// For the Checkout Session events we handle: the session and what the event says about
    /// its payment. `None` for any other event (they are acknowledged and ignored).
    pub fn checkout(&self) -> Option<Result<(CheckoutSession, SessionOutcome), serde_json::Error>> {
        let outcome = |session: &CheckoutSession| match self.kind.as_str() {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                Some(session.outcome())
            }
            "checkout.session.expired" | "checkout.session.async_payment_failed" => {
                Some(SessionOutcome::Failed)
            }
            _ => None,
        };
        if !self.kind.starts_with("checkout.session.") {
            return None;
        }
        match serde_json::from_value::<CheckoutSession>(self.data.object.clone()) {
            Ok(session) => outcome(&session).map(|o| Ok((session, o))),
            Err(e) => Some(Err(e)),
        }
    }
}

impl Event {
    /// For the refund events we handle (`refund.updated`, `refund.failed`, and the older
    /// `charge.refund.updated`): the refund as it now is. `None` for any other event.
    pub fn refund(&self) -> Option<Result<Refund, serde_json::Error>> {
        matches!(
            self.kind.as_str(),
            "refund.updated" | "refund.failed" | "charge.refund.updated"
        )
        .then(|| serde_json::from_value(self.data.object.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, status: &str, payment_status: &str) -> Event {
        let body = json!({"id": "evt_1", "object": "event", "type": kind, "data": {"object": {
            "id": "cs_test_1", "object": "checkout.session", "status": status,
            "payment_status": payment_status, "client_reference_id": "1-abc",
            "payment_intent": "pi_1", "amount_total": 2480}}});
        Event::parse(body.to_string().as_bytes()).expect("event")
    }

    fn outcome(e: &Event) -> Option<SessionOutcome> {
        e.checkout().map(|r| r.expect("session").1)
    }

    #[test]
    fn checkout_events_tell_the_payment() {
        let paid = event("checkout.session.completed", "complete", "paid");
        assert_eq!(outcome(&paid), Some(SessionOutcome::Paid));
        let (session, _) = paid.checkout().expect("checkout").expect("session");
        assert_eq!(
            (
                session.client_reference_id.as_deref(),
                session.payment_intent.as_deref()
            ),
            (Some("1-abc"), Some("pi_1"))
        );
        assert_eq!(
            outcome(&event("checkout.session.completed", "complete", "unpaid")),
            Some(SessionOutcome::Open),
            "a delayed method: wait for its own event"
        );
        assert_eq!(
            outcome(&event(
                "checkout.session.async_payment_succeeded",
                "complete",
                "paid"
            )),
            Some(SessionOutcome::Paid)
        );
        assert_eq!(
            outcome(&event(
                "checkout.session.async_payment_failed",
                "complete",
                "unpaid"
            )),
            Some(SessionOutcome::Failed)
        );
        assert_eq!(
            outcome(&event("checkout.session.expired", "expired", "unpaid")),
            Some(SessionOutcome::Failed)
        );
        assert_eq!(outcome(&event("payment_intent.succeeded", "x", "y")), None);
        assert_eq!(
            outcome(&event("checkout.session.something_new", "complete", "paid")),
            None
        );
    }

    #[test]
    fn malformed_sessions_are_errors() {
        let body = json!({"id": "evt_1", "type": "checkout.session.completed",
            "data": {"object": {"status": "complete"}}});
        let event = Event::parse(body.to_string().as_bytes()).expect("event");
        assert!(event.checkout().is_some_and(|r| r.is_err()));
        assert!(Event::parse(b"{}").is_err());
    }

    #[test]
    fn refund_events_carry_the_refund() {
        let body = json!({"id": "evt_2", "object": "event", "type": "refund.failed", "data": {"object": {
            "id": "re_1", "object": "refund", "amount": 500, "status": "failed"}}});
        let event = Event::parse(body.to_string().as_bytes()).expect("event");
        let refund = event.refund().expect("a refund event").expect("readable");
        assert_eq!(
            (refund.id.as_str(), refund.amount, refund.accepted()),
            ("re_1", 500, false)
        );
        assert!(event.checkout().is_none());
        let paid = event_kind("checkout.session.completed");
        assert!(paid.refund().is_none());
    }

    fn event_kind(kind: &str) -> Event {
        event(kind, "complete", "paid")
    }
}
