//! Tilaus adapters to the outside world.
//!
//! - [`export`]: the spreadsheet export used to hand orders (ORD-11) to shop staff and
//!   accountants as CSV or XLSX files. Exports stream row by row, so even a million-row export
//!   never holds its rows in memory.
//! - [`vismapay`] and [`stripe`]: the payment providers' signatures — what we sign on requests
//!   and what we verify on callbacks and webhooks — and their API clients
//!   ([`vismapay::Client`], [`stripe::Client`]).
//! - [`mail`]: email over SMTP, with failures classified as temporary or permanent.
//! - [`sealing`]: provider credentials encrypted at rest.

pub mod export;
mod http;
pub mod mail;
pub mod sealing;
mod signing;
pub mod sms;
pub mod stripe;
pub mod vismapay;
