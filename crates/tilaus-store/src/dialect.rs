//! The few statements that differ between SQLite and PostgreSQL, side by side.

use crate::schema::ShopCounters;
use crate::{Backend, Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, Query};
use uuid::Uuid;

/// Serialises work on one key (an idempotency key or an external order id) until the
/// transaction ends, waiting for a twin that holds it. On SQLite every write transaction is
/// already serialised by the single writer, so there is nothing to take.
pub async fn lock_key(q: &mut impl Queries, key: i64) -> Result<(), StoreError> {
    if q.backend() == Backend::Postgres {
        q.fetch_bool("SELECT pg_advisory_xact_lock($1)::text = ''", key)
            .await?;
    }
    Ok(())
}

/// Like [`lock_key`] but does not wait: `false` when a twin transaction holds the key right now.
pub async fn try_lock_key(q: &mut impl Queries, key: i64) -> Result<bool, StoreError> {
    match q.backend() {
        Backend::Postgres => {
            q.fetch_bool("SELECT pg_try_advisory_xact_lock($1)", key)
                .await
        }
        Backend::Sqlite => Ok(true),
    }
}

/// A stable 64-bit key for the advisory locks above (FNV-1a over the parts).
pub fn lock_key_of(parts: &[&[u8]]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(std::iter::once(&0xff)) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Prepares a new shop's order numbers, the first being `after + 1`.
pub async fn create_order_numbers(
    q: &mut impl Queries,
    shop_id: Uuid,
    after: i64,
) -> Result<(), StoreError> {
    if q.backend() == Backend::Postgres {
        q.fetch_i64s(
            "SELECT 0::bigint FROM (SELECT tilaus_create_order_numbers($1, $2)) AS created",
            shop_id,
            after,
        )
        .await?;
    }
    Ok(())
}

/// Takes `count` new order numbers of the shop, in increasing order.
///
/// PostgreSQL draws them from the shop's sequence without waiting for other transactions
/// (concurrent callers may interleave, so the numbers need not be contiguous). SQLite advances
/// the counter row, which its single writer serialises anyway.
pub async fn take_order_numbers(
    q: &mut impl Queries,
    scope: ShopScope,
    count: i64,
) -> Result<Vec<i64>, StoreError> {
    match q.backend() {
        Backend::Postgres => {
            q.fetch_i64s(
                "SELECT nextval(('order_no_' || replace($1::text, '-', ''))::regclass) \
                 FROM generate_series(1, $2)",
                scope.shop_id(),
                count,
            )
            .await
        }
        Backend::Sqlite => {
            #[derive(sqlx::FromRow)]
            struct Last {
                last_order_number: i64,
            }
            let last: Option<Last> = q
                .fetch_optional(
                    Query::update()
                        .table(ShopCounters::Table)
                        .value(
                            ShopCounters::LastOrderNumber,
                            Expr::col(ShopCounters::LastOrderNumber).add(count),
                        )
                        .and_where(Expr::col(ShopCounters::ShopId).eq(scope.shop_id()))
                        .returning_col(ShopCounters::LastOrderNumber),
                )
                .await?;
            let last = last
                .ok_or_else(|| StoreError::corrupt("shop_counters", scope.shop_id()))?
                .last_order_number;
            Ok((last - count + 1..=last).collect())
        }
    }
}

/// The PostgreSQL channel that carries "this shop has new order events" between servers.
pub const EVENTS_CHANNEL: &str = "tilaus_order_events";

/// Tells other servers' live feeds that the shop has new events: a PostgreSQL `NOTIFY`, sent
/// after the events committed (outside their transaction: see the app's `announce.rs`). SQLite
/// serves one process, whose app signals its own feed; other processes writing the same file
/// are found by the feed's slow poll.
///
/// The payload is only the shop id: listeners read the events themselves, in order.
pub async fn notify_events(q: &mut impl Queries, scope: ShopScope) -> Result<(), StoreError> {
    if q.backend() == Backend::Postgres {
        q.fetch_i64s(
            "SELECT $2::bigint FROM (SELECT pg_notify('tilaus_order_events', $1::text)) AS sent",
            scope.shop_id(),
            0,
        )
        .await?;
    }
    Ok(())
}

/// The PostgreSQL channel that carries "jobs were enqueued" between servers.
pub const JOBS_CHANNEL: &str = "tilaus_jobs";

/// Tells other servers' job runners that jobs were enqueued (after commit, as for events), so
/// that they claim them now rather than at their next poll. No-op on SQLite.
pub async fn notify_jobs(q: &mut impl Queries) -> Result<(), StoreError> {
    if q.backend() == Backend::Postgres {
        q.execute_raw("SELECT pg_notify('tilaus_jobs', '')").await?;
    }
    Ok(())
}

/// Wake-ups for job runners from every server's enqueued jobs: `LISTEN` on PostgreSQL.
pub struct JobWakeups(sqlx::postgres::PgListener);

impl JobWakeups {
    /// Starts listening; `None` on SQLite, whose one process wakes its runner itself.
    pub async fn listen(db: &crate::Db) -> Result<Option<Self>, StoreError> {
        match db {
            crate::Db::Sqlite { .. } => Ok(None),
            crate::Db::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen(JOBS_CHANNEL).await?;
                Ok(Some(Self(listener)))
            }
        }
    }

    /// Waits for the next wake-up. A lost connection is re-established first, and reported as
    /// a wake-up too: jobs enqueued meanwhile were not announced.
    pub async fn next(&mut self) -> Result<(), StoreError> {
        self.0.try_recv().await?;
        Ok(())
    }
}

/// What the event wake-up connection reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// The shop committed new events.
    Shop(Uuid),
    /// Wake-ups may have been missed (the connection was lost and re-established, or a payload
    /// could not be read): look at every shop.
    Missed,
}

/// Wake-ups for the live feed from every server's committed events: `LISTEN` on PostgreSQL.
pub struct EventWakeups(sqlx::postgres::PgListener);

impl EventWakeups {
    /// Starts listening; `None` on SQLite, which has no other servers to hear from.
    pub async fn listen(db: &crate::Db) -> Result<Option<Self>, StoreError> {
        match db {
            crate::Db::Sqlite { .. } => Ok(None),
            crate::Db::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen(EVENTS_CHANNEL).await?;
                Ok(Some(Self(listener)))
            }
        }
    }

    /// The next wake-up. A lost connection is re-established before [`Wakeup::Missed`] is
    /// returned, so nothing committed after that answer can be missed.
    pub async fn next(&mut self) -> Result<Wakeup, StoreError> {
        Ok(match self.0.try_recv().await? {
            Some(notification) => {
                Uuid::parse_str(notification.payload()).map_or(Wakeup::Missed, Wakeup::Shop)
            }
            None => Wakeup::Missed,
        })
    }
}

/// The most events one sequencing transaction numbers.
pub const SEQUENCE_BATCH: usize = 5000;

/// Numbers the committed events that have no id yet (PostgreSQL; SQLite numbers them as they are
/// written): each shop's next ids, in the order the events drew their `seq`, in one transaction.
/// Returns the shops that got new events, for their live feeds; fewer than [`SEQUENCE_BATCH`]
/// events numbered means none were left.
///
/// Why this is exact: sequencers take one advisory lock, so batches are numbered one after
/// another and an id, once visible, is never followed by a smaller one. An event that waited for
/// another transaction (an order's row lock) inserted its row after that one committed, so it
/// drew a larger `seq` and, being visible only when the other is, gets a larger id. Each batch
/// reads with a snapshot taken after the lock was granted, so it sees what the previous batch
/// numbered.
pub async fn sequence_events(db: &crate::Db) -> Result<(Vec<Uuid>, usize), StoreError> {
    let crate::Db::Postgres(pool) = db else {
        return Ok((Vec::new(), 0));
    };
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(lock_key_of(&[b"order_event_sequencer"]))
        .execute(&mut *tx)
        .await?;
    let numbered: Vec<(Uuid, i64)> = sqlx::query_as(
        "WITH waiting AS ( \
             SELECT seq, shop_id FROM order_events WHERE event_id IS NULL ORDER BY seq LIMIT $1 \
         ), ranked AS ( \
             SELECT seq, shop_id, row_number() OVER (PARTITION BY shop_id ORDER BY seq) AS rank \
             FROM waiting \
         ), counts AS ( \
             SELECT shop_id, count(*) AS n FROM waiting GROUP BY shop_id \
         ), advanced AS ( \
             UPDATE shop_counters c SET last_event_id = c.last_event_id + counts.n \
             FROM counts WHERE c.shop_id = counts.shop_id \
             RETURNING c.shop_id, c.last_event_id - counts.n AS base, counts.n \
         ), numbered AS ( \
             UPDATE order_events e SET event_id = advanced.base + ranked.rank \
             FROM ranked JOIN advanced ON advanced.shop_id = ranked.shop_id \
             WHERE e.seq = ranked.seq \
             RETURNING e.shop_id \
         ) \
         SELECT shop_id, count(*) FROM numbered GROUP BY shop_id",
    )
    .bind(i64::try_from(SEQUENCE_BATCH).unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let count = numbered
        .iter()
        .map(|(_, n)| usize::try_from(*n).unwrap_or(0))
        .sum();
    Ok((numbered.into_iter().map(|(shop, _)| shop).collect(), count))
}
