//! Stripe: webhook signature verification (integrations.md §2.3, checked against Stripe's
//! official libraries).

pub mod signature;

pub use signature::{DEFAULT_TOLERANCE, SignatureError, WebhookSecret};
