//! Visma Pay (formerly Bambora PayForm) payment API: request authcodes and callback
//! verification (integrations.md §1, checked against the official PHP library).

pub mod authcode;
pub mod client;

pub use authcode::{
    CallbackError, Credentials, Operation, PaymentCallback, PaymentResult, RefundCallback,
    RefundResult,
};
pub use client::{
    CheckedStatus, Client, ClientError, DEFAULT_BASE_URL, MerchantMethod, PaymentRequest,
    StartedRefund,
};
