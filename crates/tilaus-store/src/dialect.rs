//! The few statements that differ between SQLite and PostgreSQL, side by side.

use crate::{Backend, Queries, StoreError};

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
