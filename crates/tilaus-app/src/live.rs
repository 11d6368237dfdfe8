//! The live feed (ORD-9): the order events of every shop that has live views open, read once per
//! process and fanned out to all of that shop's listeners.
//!
//! One background task reads the shop's events after the last one it published, but only for
//! shops with listeners and only when woken: by this process after a commit
//! ([`App::events_committed`]), by PostgreSQL's `LISTEN/NOTIFY` for commits on any server, and by a
//! slow safety poll for wake-ups that never came (another process writing the same SQLite file, a
//! LISTEN connection that dropped). Each read goes out as one batch on the shop's broadcast
//! channel, saying which event it follows. A listener whose last event is older than that (it
//! lagged, or the feed had moved on before it joined) reads the gap from the database itself.
//!
//! This is exact because a shop's event ids only ever grow in what readers see (SQLite numbers
//! events in its serialised transactions, PostgreSQL's sequencer numbers committed ones in
//! batches: `sequencer.rs`): once event N is visible, every event before N is too, so "after N"
//! never skips an event that is numbered later. Memory stays bounded: a few batches per
//! shop, one page per listener catching up.

use crate::{App, AppError, Principal};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use tilaus_store::dialect::{EventWakeups, Wakeup};
use tilaus_store::{Db, ShopScope, StoreError, order, shop};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

/// Events read from the database at a time, by the feed and by a listener catching up.
const PAGE: u64 = 200;
/// Batches a shop's channel keeps for slow listeners; a listener further behind reads the
/// database instead.
const CHANNEL_BATCHES: usize = 64;
/// How often the feed looks for events whose wake-up never came.
pub const SAFETY_POLL: Duration = Duration::from_secs(2);
/// How many events a listener may resume behind the shop; further back (a tab that slept for a
/// day) it starts from now instead and is told so, since reloading beats replaying thousands.
pub const MAX_REPLAY: i64 = 1000;

/// One order event as live views see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveEvent {
    /// The shop's event id: only ever grows in what listeners see; pass it back to resume after
    /// it.
    pub id: i64,
    /// `order.created`, `order.updated`, `order.state_changed`, `order.deleted`, …
    pub kind: String,
    pub order_id: Uuid,
    /// When it happened, RFC 3339 in UTC.
    pub at: String,
}

impl From<&order::EventRow> for LiveEvent {
    fn from(row: &order::EventRow) -> Self {
        LiveEvent {
            id: row.event_id,
            kind: row.event.kind.clone(),
            order_id: row.event.order_id,
            at: jiff::Timestamp::from_microsecond(row.event.created_at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }
}

/// One read of the feed: every event of the shop after `after`, up to the last in `events`.
#[derive(Debug)]
struct Batch {
    after: i64,
    events: Vec<LiveEvent>,
}

struct ShopFeed {
    sender: broadcast::Sender<Arc<Batch>>,
    /// The last event published (or where the feed started).
    position: i64,
    /// Woken and not yet read.
    due: bool,
}

/// The process's live feed; cheap to clone. Its task starts with the first listener.
#[derive(Clone, Default)]
pub(crate) struct Hub {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    feeds: Mutex<HashMap<Uuid, ShopFeed>>,
    /// Wakes the reading task (shared with it apart from `Shared`, so that the task does not keep
    /// a dropped app alive).
    wake: Arc<Notify>,
    started: AtomicBool,
    stopped: AtomicBool,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("shops", &self.feeds().len())
            .finish()
    }
}

impl Hub {
    fn feeds(&self) -> MutexGuard<'_, HashMap<Uuid, ShopFeed>> {
        // The map stays consistent whatever panicked while holding it.
        self.shared
            .feeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks a shop's feed for reading, if anyone listens to it.
    pub fn wake(&self, shop_id: Uuid) {
        let woken = match self.feeds().get_mut(&shop_id) {
            Some(feed) => {
                feed.due = true;
                true
            }
            None => false,
        };
        if woken {
            self.shared.wake.notify_one();
        }
    }

    fn wake_all(&self) {
        let any = {
            let mut feeds = self.feeds();
            feeds.values_mut().for_each(|f| f.due = true);
            !feeds.is_empty()
        };
        if any {
            self.shared.wake.notify_one();
        }
    }

    /// Joins the shop's feed, starting it at `current` (the shop's latest committed event) if it
    /// is new. Also returns the feed's position: every event up to it went out before this
    /// receiver existed, so a listener behind it reads those from the database.
    fn subscribe(
        &self,
        db: &Db,
        shop_id: Uuid,
        current: i64,
    ) -> (broadcast::Receiver<Arc<Batch>>, i64) {
        self.start(db);
        let joined = {
            let mut feeds = self.feeds();
            if self.shared.stopped.load(Ordering::Acquire) {
                // Shutting down: a feed that has already ended.
                return (broadcast::channel(1).1, current);
            }
            let feed = feeds.entry(shop_id).or_insert_with(|| ShopFeed {
                sender: broadcast::channel(CHANNEL_BATCHES).0,
                position: current,
                due: true,
            });
            // Publishing and moving the position happen under this lock together.
            (feed.sender.subscribe(), feed.position)
        };
        self.shared.wake.notify_one();
        joined
    }

    /// Ends every stream (their listeners see the end of the feed) and refuses new ones.
    fn stop(&self) {
        let mut feeds = self.feeds();
        self.shared.stopped.store(true, Ordering::Release);
        feeds.clear();
    }

    fn start(&self, db: &Db) {
        if self.shared.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::downgrade(&self.shared);
        tokio::spawn(read_loop(
            shared.clone(),
            self.shared.wake.clone(),
            db.clone(),
        ));
        if db.backend() == tilaus_store::Backend::Postgres {
            tokio::spawn(listen_loop(shared, db.clone()));
        }
    }

    /// Reads every woken shop once and publishes what it found.
    async fn read_due(&self, db: &Db) {
        let due: Vec<(Uuid, i64)> = {
            let mut feeds = self.feeds();
            feeds.retain(|_, feed| feed.sender.receiver_count() > 0);
            feeds
                .iter_mut()
                .filter(|(_, feed)| feed.due)
                .map(|(shop_id, feed)| {
                    feed.due = false;
                    (*shop_id, feed.position)
                })
                .collect()
        };
        for (shop_id, position) in due {
            let (after, events) = match read_shop(db, shop_id, position).await {
                Ok(read) => read,
                Err(error) => {
                    // The safety poll tries again; no tight loop against a database that is down.
                    tracing::warn!(%error, %shop_id, "the live feed could not read events");
                    continue;
                }
            };
            let full = u64::try_from(events.len()).unwrap_or(u64::MAX) >= PAGE;
            let mut feeds = self.feeds();
            let Some(feed) = feeds.get_mut(&shop_id) else {
                continue;
            };
            if feed.position != after {
                // The feed was dropped and started afresh meanwhile: read again from its start.
                feed.due = true;
                drop(feeds);
                self.shared.wake.notify_one();
                continue;
            }
            if let Some(last) = events.last() {
                feed.position = last.id;
            }
            if !events.is_empty() {
                // Fails only when every listener has gone; the next round drops the feed.
                let _ = feed.sender.send(Arc::new(Batch { after, events }));
            }
            if full {
                feed.due = true;
                drop(feeds);
                self.shared.wake.notify_one();
            }
        }
    }
}

async fn read_shop(
    db: &Db,
    shop_id: Uuid,
    after: i64,
) -> Result<(i64, Vec<LiveEvent>), StoreError> {
    // Every listener of this feed was authorised for the shop when it subscribed.
    let scope = ShopScope::authorised(shop_id);
    let mut conn = db.read().await?;
    let rows = order::events_after(&mut conn, scope, after, PAGE).await?;
    Ok((after, rows.iter().map(LiveEvent::from).collect()))
}

/// The reading task: runs while the app exists, woken by commits, notifications and the poll.
async fn read_loop(shared: Weak<Shared>, wake: Arc<Notify>, db: Db) {
    let mut poll = tokio::time::interval(SAFETY_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let polled = tokio::select! {
            () = wake.notified() => false,
            _ = poll.tick() => true,
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let hub = Hub { shared };
        if polled {
            hub.wake_all();
        }
        hub.read_due(&db).await;
    }
}

/// Hears every server's commits through PostgreSQL and wakes the shops they name.
async fn listen_loop(shared: Weak<Shared>, db: Db) {
    let mut wakeups: Option<EventWakeups> = None;
    loop {
        let listening = match wakeups.as_mut() {
            Some(listening) => listening,
            None => match EventWakeups::listen(&db).await {
                Ok(Some(listening)) => {
                    // Whatever committed before LISTEN took effect was not announced.
                    if let Some(shared) = shared.upgrade() {
                        Hub { shared }.wake_all();
                    }
                    wakeups.insert(listening)
                }
                Ok(None) => return,
                Err(error) => {
                    if is_closed(&error) {
                        return;
                    }
                    tracing::warn!(%error, "the live feed cannot LISTEN; polling meanwhile");
                    tokio::time::sleep(SAFETY_POLL).await;
                    continue;
                }
            },
        };
        let wakeup = listening.next().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let hub = Hub { shared };
        match wakeup {
            Ok(Wakeup::Shop(shop_id)) => hub.wake(shop_id),
            Ok(Wakeup::Missed) => hub.wake_all(),
            Err(error) => {
                if is_closed(&error) {
                    return;
                }
                tracing::warn!(%error, "the live feed lost its LISTEN connection");
                wakeups = None;
                hub.wake_all();
                tokio::time::sleep(SAFETY_POLL).await;
            }
        }
    }
}

/// The database pool was closed: the server is shutting down.
fn is_closed(error: &StoreError) -> bool {
    error.is_pool_closed()
}

/// One listener's view of the feed: every event of its shop after a position, in order, each
/// exactly once.
pub struct LiveFeed {
    db: Db,
    scope: ShopScope,
    last: i64,
    receiver: broadcast::Receiver<Arc<Batch>>,
    backlog: VecDeque<LiveEvent>,
    /// The listener's position may be behind what the channel carries: read the database first.
    catching_up: bool,
    /// It asked to resume more than [`MAX_REPLAY`] events back and starts from now instead.
    reset: bool,
}

impl std::fmt::Debug for LiveFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveFeed")
            .field("shop", &self.scope.shop_id())
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl LiveFeed {
    /// The id of the last event returned (or the starting position).
    pub fn position(&self) -> i64 {
        self.last
    }

    /// Whether the requested position was too far back, so that the feed starts from now: the
    /// listener should reload what it shows rather than apply the events it missed.
    pub fn was_reset(&self) -> bool {
        self.reset
    }

    /// The next event; waits until there is one. `None` once the feed has stopped.
    pub async fn next(&mut self) -> Result<Option<LiveEvent>, AppError> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last = event.id;
                return Ok(Some(event));
            }
            if self.catching_up {
                let mut conn = self.db.read().await?;
                let rows = order::events_after(&mut conn, self.scope, self.last, PAGE).await?;
                self.catching_up = u64::try_from(rows.len()).unwrap_or(u64::MAX) >= PAGE;
                self.backlog.extend(rows.iter().map(LiveEvent::from));
                continue;
            }
            match self.receiver.recv().await {
                Ok(batch) if batch.after > self.last => self.catching_up = true,
                Ok(batch) => {
                    let last = self.last;
                    self.backlog
                        .extend(batch.events.iter().filter(|e| e.id > last).cloned());
                }
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return Ok(None),
            }
        }
    }
}

impl App {
    /// Ends every live stream, so that a graceful shutdown need not wait for them; browsers
    /// reconnect to another server (or this one, restarted) and resume where they were.
    pub fn stop_live(&self) {
        self.live.stop();
    }

    /// The shop's latest event id: a page that shows the current state renders it, so that its
    /// live updates start exactly there.
    pub async fn live_position(&self, principal: &Principal) -> Result<i64, AppError> {
        let scope = principal.read_scope();
        // Including what has committed: a page showing the reader's own change just made would
        // otherwise start before its event and replay it.
        self.sequencer.number_now().await?;
        let mut conn = self.db.read().await?;
        Ok(shop::last_event_id(&mut conn, scope).await?)
    }

    /// The shop's order events after `after` (from now on when `None`), for anyone who may read
    /// the shop. A position beyond the shop's latest event (another database's id) starts now.
    pub async fn live_events(
        &self,
        principal: &Principal,
        after: Option<i64>,
    ) -> Result<LiveFeed, AppError> {
        let scope = principal.read_scope();
        if after.is_some_and(|a| a < 0) {
            return Err(AppError::invalid(
                "/after",
                "must be an event id (0 or more)",
            ));
        }
        let current = self.live_position(principal).await?;
        let mut last = after.filter(|a| *a <= current).unwrap_or(current);
        let reset = current - last > MAX_REPLAY;
        if reset {
            last = current;
        }
        // Events up to `current` are committed; a new feed publishes from there on. An existing
        // feed may already have published beyond `last` before this listener joined.
        let (receiver, published) = self.live.subscribe(&self.db, scope.shop_id(), current);
        Ok(LiveFeed {
            db: self.db.clone(),
            scope,
            last,
            receiver,
            backlog: VecDeque::new(),
            catching_up: last < current.max(published),
            reset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_for_the_wire() {
        let row = order::EventRow {
            event_id: 7,
            event: order::Event {
                order_id: Uuid::nil(),
                kind: "order.state_changed".into(),
                actor_kind: "user".into(),
                actor_id: None,
                actor_label: "Olli".into(),
                data: "{}".into(),
                created_at: 1_700_000_000_000_000,
            },
        };
        let json = serde_json::to_value(LiveEvent::from(&row)).expect("json");
        assert_eq!(json["id"], 7);
        assert_eq!(json["kind"], "order.state_changed");
        assert_eq!(json["at"], "2023-11-14T22:13:20Z");
    }
}
