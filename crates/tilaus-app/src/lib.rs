//! Tilaus use cases: one function per command or query, with authorisation and transactions.
//!
//! The JSON API, the CLI and (later) the admin UI all call these functions, so every rule is
//! applied the same way whoever asks. Functions take a [`Principal`] and check its role before
//! touching the store.

pub mod auth;
pub mod demo;
mod error;
pub mod export;
pub mod order;
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
}

impl App {
    /// Connects to the database a URL names and brings its schema up to date.
    pub async fn open(database_url: &str) -> Result<App, AppError> {
        let db = Db::connect(database_url).await?;
        tilaus_store::migrate::run(&db).await?;
        Ok(App { db })
    }
}
