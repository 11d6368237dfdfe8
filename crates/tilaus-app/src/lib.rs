//! Tilaus use cases: one function per command or query, with authorisation and transactions.
//!
//! The JSON API, the CLI and (later) the admin UI all call these functions, so every rule is
//! applied the same way whoever asks. Functions take a [`Principal`] and check its role before
//! touching the store.

mod announce;
pub mod audit;
pub mod auth;
pub mod brand;
pub mod bulk_invoice;
pub mod confirmation;
pub mod customer;
pub mod delivery;
pub mod demo;
pub mod document;
pub mod dunning;
mod error;
pub mod export;
pub mod export_schedule;
pub mod highlight;
pub mod idempotent;
pub mod job;
mod keyset;
mod link;
pub mod live;
pub mod message;
pub mod order;
pub mod paylink;
pub mod payment;
pub mod product;
pub mod rules;
pub mod saved_view;
pub mod seed;
mod sequencer;
pub mod session;
pub mod shop;
mod time;

pub use auth::Principal;
pub use error::AppError;
pub use tilaus_store::{Backend, Db};

/// Everything a use case needs from the outside world.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Db,
    live: live::Hub,
    announcer: announce::Announcer,
    /// Numbers committed events (PostgreSQL) and wakes the live feeds.
    sequencer: sequencer::Sequencer,
    /// Wakes this process's job runner after a commit that enqueued jobs.
    jobs_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Payment providers and the public URL their callbacks come to.
    payments: std::sync::Arc<paylink::Payments>,
    /// The SMS provider, when the installation has one.
    sms: Option<std::sync::Arc<message::sms::SmsConfig>>,
}

impl App {
    /// Connects to the database a URL names and brings its schema up to date.
    pub async fn open(database_url: &str) -> Result<App, AppError> {
        let db = Db::connect(database_url).await?;
        tilaus_store::migrate::run(&db).await?;
        let live = live::Hub::default();
        let announcer = announce::Announcer::default();
        Ok(App {
            sequencer: sequencer::Sequencer::start(&db, &live, &announcer),
            db,
            live,
            announcer,
            jobs_wake: std::sync::Arc::default(),
            payments: paylink::Payments::new(paylink::PaymentConfig::default())?,
            sms: None,
        })
    }
}

/// The most items one page of any list may hold.
pub const MAX_PAGE: u64 = 200;
const DEFAULT_PAGE: u64 = 50;

/// A requested page size: 50 when absent, at most [`MAX_PAGE`].
pub(crate) fn check_page_limit(limit: Option<u64>) -> Result<u64, String> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(format!("must be from 1 to {MAX_PAGE}"))
    }
}

pub(crate) fn page_limit(limit: Option<u64>) -> Result<u64, AppError> {
    check_page_limit(limit).map_err(|e| AppError::invalid("/limit", e))
}

/// Cuts rows fetched with one extra back to `limit`, and tells whether another page follows.
pub(crate) fn split_page<T>(mut rows: Vec<T>, limit: u64) -> (Vec<T>, bool) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}
