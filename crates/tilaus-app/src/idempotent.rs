//! `Idempotency-Key` for writes that must happen once however often a client retries (a new
//! order, money recorded): inside the write's own transaction, the key is locked, a stored answer
//! is replayed (a different body under the same key is refused), and a fresh answer is stored
//! with the write, so that it commits or rolls back with it.

use crate::AppError;
use crate::order::IdempotencyKey;
use tilaus_store::dialect::{lock_key_of, try_lock_key};
use tilaus_store::idempotency::{self, StoredResponse};
use tilaus_store::{ShopScope, Tx, now_micros};

/// An answer stored under a key: its HTTP status and body, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub status: u16,
    pub body: String,
}

impl Replay {
    /// A fresh answer as it is stored and replayed.
    pub(crate) fn of(status: u16, body: &impl serde::Serialize) -> Result<Self, AppError> {
        let body = serde_json::to_string(body)
            .map_err(|e| AppError::Conflict(format!("the answer cannot be stored: {e}")))?;
        Ok(Self { status, body })
    }
}

/// A keyed write's answer: done now, or the first answer replayed for a retry of its key.
#[derive(Debug, Clone)]
pub enum Keyed<T> {
    Fresh(T),
    Replayed(Replay),
}

/// Takes the key for this transaction and returns the answer stored under it, if any. A key in
/// use by a request still running is 409 (`IdempotencyInFlight`); one first used with another
/// body is 422 (`IdempotencyMismatch`).
pub(crate) async fn claim(
    tx: &mut Tx,
    scope: ShopScope,
    key: &IdempotencyKey,
) -> Result<Option<Replay>, AppError> {
    let lock = lock_key_of(&[
        scope.shop_id().as_bytes(),
        b"idempotency",
        key.key.as_bytes(),
    ]);
    if !try_lock_key(tx, lock).await? {
        return Err(AppError::IdempotencyInFlight);
    }
    let Some(stored) = idempotency::find(tx, scope, &key.key).await? else {
        return Ok(None);
    };
    if stored.request_hash != key.request_hash {
        return Err(AppError::IdempotencyMismatch);
    }
    Ok(Some(Replay {
        status: u16::try_from(stored.response_status).unwrap_or(200),
        body: stored.response_body,
    }))
}

/// Stores the answer under the key, in the write's transaction.
pub(crate) async fn remember(
    tx: &mut Tx,
    scope: ShopScope,
    key: &IdempotencyKey,
    answer: &Replay,
) -> Result<(), AppError> {
    let stored = StoredResponse {
        request_hash: key.request_hash.clone(),
        response_status: i32::from(answer.status),
        response_body: answer.body.clone(),
    };
    idempotency::insert(tx, scope, &key.key, &stored, now_micros()).await?;
    Ok(())
}

impl<T> Keyed<T> {
    /// The answer of a write made without a key, which is never a replay.
    pub(crate) fn fresh(self) -> Result<T, AppError> {
        match self {
            Keyed::Fresh(done) => Ok(done),
            Keyed::Replayed(_) => Err(AppError::Conflict(
                "an answer was replayed without a key".into(),
            )),
        }
    }
}

/// [`claim`] for a write whose key is optional: nothing to replay without one.
pub(crate) async fn claim_if(
    tx: &mut Tx,
    scope: ShopScope,
    key: Option<&IdempotencyKey>,
) -> Result<Option<Replay>, AppError> {
    match key {
        Some(key) => claim(tx, scope, key).await,
        None => Ok(None),
    }
}

/// Stores a fresh answer (`status`, `answer` as JSON) under `key`, if there is one, in the
/// write's transaction.
pub(crate) async fn remember_if(
    tx: &mut Tx,
    scope: ShopScope,
    key: Option<&IdempotencyKey>,
    status: u16,
    answer: &impl serde::Serialize,
) -> Result<(), AppError> {
    match key {
        Some(key) => remember(tx, scope, key, &Replay::of(status, answer)?).await,
        None => Ok(()),
    }
}
