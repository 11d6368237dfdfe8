//! Numbering committed order events on PostgreSQL (migration 0029).
//!
//! A transaction writes its events without ids, so that a shop's transactions commit side by
//! side instead of queueing behind the shop's counter row until COMMIT. One task per process
//! numbers what has committed ([`dialect::sequence_events`]): woken after each commit with
//! events, and by a slow poll for the events of a server that died between its commit and the
//! numbering. Then it wakes the live feeds of the shops that got events, here and, by
//! announcement, on the other servers. SQLite numbers events as they are written, so there the
//! task never starts.

use crate::announce::Announcer;
use crate::live::Hub;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tilaus_store::dialect::{self, SEQUENCE_BATCH};
use tilaus_store::{Backend, Db, StoreError};
use tokio::sync::Notify;

/// How often the task looks for events nobody woke it for.
const POLL: Duration = Duration::from_secs(1);

/// The process's sequencer; cheap to clone.
#[derive(Clone)]
pub(crate) struct Sequencer {
    shared: Arc<Shared>,
}

struct Shared {
    db: Db,
    live: Hub,
    announcer: Announcer,
    /// Shared with the task apart from `Shared`, so that the task does not keep a dropped app
    /// alive.
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Sequencer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequencer").finish_non_exhaustive()
    }
}

impl Sequencer {
    /// Starts the numbering task on PostgreSQL (call within the runtime).
    pub fn start(db: &Db, live: &Hub, announcer: &Announcer) -> Sequencer {
        let shared = Arc::new(Shared {
            db: db.clone(),
            live: live.clone(),
            announcer: announcer.clone(),
            wake: Arc::default(),
        });
        if db.backend() == Backend::Postgres {
            tokio::spawn(number_loop(Arc::downgrade(&shared), shared.wake.clone()));
        }
        Sequencer { shared }
    }

    /// A transaction with events of the shop just committed: number them and wake the feeds.
    pub fn committed(&self, shop_id: uuid::Uuid) {
        match self.shared.db.backend() {
            Backend::Postgres => self.shared.wake.notify_one(),
            // Numbered already; no other servers to tell.
            Backend::Sqlite => self.shared.live.wake(shop_id),
        }
    }

    /// Numbers everything committed so far before returning, for a reader that must see the
    /// events its own writes just committed (an order's history right after a change).
    pub async fn number_now(&self) -> Result<(), StoreError> {
        self.shared.number_all().await
    }
}

impl Shared {
    async fn number_all(&self) -> Result<(), StoreError> {
        loop {
            let (shops, count) = dialect::sequence_events(&self.db).await?;
            for shop_id in shops {
                self.live.wake(shop_id);
                self.announcer.announce(&self.db, shop_id);
            }
            if count < SEQUENCE_BATCH {
                return Ok(());
            }
        }
    }
}

async fn number_loop(shared: Weak<Shared>, wake: Arc<Notify>) {
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = wake.notified() => {}
            _ = poll.tick() => {}
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let Err(error) = shared.number_all().await {
            if error.is_pool_closed() {
                return;
            }
            // The events wait, unseen, until the next wake-up or poll; nothing is lost.
            tracing::warn!(%error, "could not number committed order events");
        }
    }
}
