//! Stripe: webhook signature verification (integrations.md §2.3, checked against Stripe's
//! official libraries), the Checkout Session and refund API client, and the webhook events
//! about sessions.

pub mod client;
pub mod signature;
pub mod webhook;

pub use client::{
    CheckoutSession, Client, ClientError, Credentials, DEFAULT_BASE_URL, Refund, RefundRequest,
    SessionRequest,
};
pub use signature::{DEFAULT_TOLERANCE, SignatureError, WebhookSecret};
pub use webhook::{Event, SessionOutcome};
