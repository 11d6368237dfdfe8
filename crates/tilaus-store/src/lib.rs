//! Database access for Tilaus on SQLite and PostgreSQL.
//!
//! Each query is written once as a sea-query statement and rendered per backend by [`Queries`];
//! SQL that truly differs between the dialects lives in [`dialect`] with both versions side by
//! side. Every function that touches shop data takes a [`ShopScope`].

mod db;
pub mod dialect;
mod error;
pub mod migrate;
mod schema;

pub mod audit;
pub mod brand;
pub mod confirmation;
pub mod customer;
pub mod delivery;
pub mod document;
pub mod dunning;
pub mod export_schedule;
pub mod highlight;
pub mod idempotency;
pub mod job;
pub mod message;
pub mod message_template;
pub mod order;
pub mod payment;
pub mod payment_link;
pub mod product;
pub mod refund;
pub mod saved_view;
pub mod session;
pub mod shop;
pub mod shop_setting;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use db::{Backend, Conn, Db, Queries, Row, Tx};
pub use error::StoreError;

use uuid::Uuid;

/// Proof that the caller was authorised to act in one shop.
///
/// Only the app's authorisation constructs it (through [`ShopScope::authorised`]); store functions
/// take it so that no query can forget the tenant filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopScope(Uuid);

impl ShopScope {
    /// Call only after checking that the current principal may act in `shop_id`.
    pub fn authorised(shop_id: Uuid) -> Self {
        Self(shop_id)
    }

    pub fn shop_id(self) -> Uuid {
        self.0
    }
}

/// The current instant as stored: Unix microseconds, UTC.
pub fn now_micros() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX)
}

/// A LIKE pattern matching values that contain `text` literally (wildcards escaped).
pub(crate) fn like_contains(text: &str) -> sea_query::LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}
