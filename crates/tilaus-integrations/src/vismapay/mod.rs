//! Visma Pay (formerly Bambora PayForm) payment API: request authcodes and callback
//! verification (integrations.md §1, checked against the official PHP library).

pub mod authcode;

pub use authcode::{
    CallbackError, Credentials, Operation, PaymentCallback, PaymentResult, RefundCallback,
    RefundResult,
};
