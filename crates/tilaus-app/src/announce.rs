//! Telling the other servers that a shop has new events, or that jobs were enqueued: one
//! PostgreSQL `NOTIFY` per shop (and one for jobs) per few milliseconds, sent after commit on a
//! connection of its own.
//!
//! Why not inside the writing transaction: PostgreSQL serialises the commits of every
//! transaction that notified, database-wide, behind one lock on its notification queue, so a
//! `NOTIFY` per order made every shop's orders commit one at a time. Coalesced after commit, a
//! busy server sends a few hundred a second whatever its order rate. A server that dies between
//! commit and announcement costs the others at most their feed's safety poll (2 s).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;
use tilaus_store::{Backend, Db, ShopScope, dialect};
use tokio::sync::Notify;
use uuid::Uuid;

/// How long announcements gather before they go out together.
const GATHER: Duration = Duration::from_millis(3);

#[derive(Clone, Default)]
pub(crate) struct Announcer {
    shared: Arc<Shared>,
}

/// What the other servers are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum News {
    /// The shop committed new order events (their live feeds read them).
    Events(Uuid),
    /// Jobs were enqueued (their runners claim them now instead of at their next poll).
    Jobs,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<HashSet<News>>,
    /// Shared with the sending task apart from `Shared`, so the task does not keep a dropped app
    /// alive.
    wake: Arc<Notify>,
    started: AtomicBool,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer").finish_non_exhaustive()
    }
}

impl Announcer {
    /// Queues a shop's announcement (PostgreSQL only: SQLite serves one process).
    pub fn announce(&self, db: &Db, shop_id: Uuid) {
        self.queue(db, News::Events(shop_id));
    }

    /// Queues the news that jobs were enqueued.
    pub fn announce_jobs(&self, db: &Db) {
        self.queue(db, News::Jobs);
    }

    fn queue(&self, db: &Db, news: News) {
        if db.backend() != Backend::Postgres {
            return;
        }
        self.shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(news);
        if !self.shared.started.swap(true, Ordering::AcqRel) {
            let wake = self.shared.wake.clone();
            tokio::spawn(send_loop(Arc::downgrade(&self.shared), wake, db.clone()));
        }
        self.shared.wake.notify_one();
    }
}

async fn send_loop(shared: Weak<Shared>, wake: Arc<Notify>, db: Db) {
    loop {
        let woken = wake.notified();
        let Some(idle) = with_pending(&shared, |p| p.is_empty()) else {
            return;
        };
        if idle {
            woken.await;
        }
        tokio::time::sleep(GATHER).await;
        let Some(news) = with_pending(&shared, |p| p.drain().collect::<Vec<_>>()) else {
            return;
        };
        if let Err(error) = send(&db, &news).await {
            // The others' safety polls find the events and jobs; nothing is lost, only later.
            tracing::warn!(%error, "could not announce news to other servers");
        }
    }
}

/// Works on the news waiting to go out; `None` once the app is gone.
fn with_pending<T>(shared: &Weak<Shared>, f: impl FnOnce(&mut HashSet<News>) -> T) -> Option<T> {
    let shared = shared.upgrade()?;
    let mut pending = shared
        .pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    Some(f(&mut pending))
}

async fn send(db: &Db, news: &[News]) -> Result<(), tilaus_store::StoreError> {
    let mut conn = db.read().await?;
    for item in news {
        match item {
            News::Events(shop_id) => {
                dialect::notify_events(&mut conn, ShopScope::authorised(*shop_id)).await?
            }
            News::Jobs => dialect::notify_jobs(&mut conn).await?,
        }
    }
    Ok(())
}
