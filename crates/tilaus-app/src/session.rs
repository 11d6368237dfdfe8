//! Admin UI sessions: logging in (throttled per client address and per account), resuming a
//! session from its cookie token, choosing the shop to work in, and logging out.
//!
//! The token is 256 random bits shown only to the browser; the database keeps its SHA-256.
//! Each session carries its own CSRF synchronizer token.

use crate::auth::sha256_hex;
use crate::{App, AppError, Principal};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use std::net::IpAddr;
use tilaus_domain::access::Role;
use tilaus_domain::language::Language;
use tilaus_store::{now_micros, session};
use uuid::Uuid;

const MINUTE: i64 = 60 * 1_000_000;
/// A session ends this long after login, however active.
pub const SESSION_LIFETIME: i64 = 12 * 60 * MINUTE;
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: i64 = 2 * 60 * MINUTE;
/// Activity is written at most this often, so that reading pages does not write every time.
const TOUCH_EVERY: i64 = MINUTE;
/// Failed logins are counted in windows of this length…
pub const THROTTLE_WINDOW: i64 = 15 * MINUTE;
/// …and this many failures for one account lock it…
pub const ACCOUNT_LIMIT: i32 = 5;
/// …or this many from one client address (higher: an office shares one address)…
pub const ADDRESS_LIMIT: i32 = 20;
/// …for this long.
pub const LOCK_DURATION: i64 = 15 * MINUTE;

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A login as typed into the form, with where it came from (when known).
#[derive(Debug, Clone)]
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub client: Option<IpAddr>,
}

/// A session just started: the token goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    /// The user belongs to several shops and must choose one first.
    pub needs_shop: bool,
}

/// A shop the user may work in.
#[derive(Debug, Clone)]
pub struct ShopChoice {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub time_zone: jiff::tz::TimeZone,
}

/// A live session as a request sees it.
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub user_id: Uuid,
    pub user_name: String,
    pub user_email: String,
    /// The admin UI language the user chose (a code such as "sv"), if any.
    pub ui_language: Option<String>,
    pub csrf_token: String,
    pub shops: Vec<ShopChoice>,
    /// The chosen shop, while the user still belongs to it.
    pub current: Option<ShopChoice>,
    principal: Option<Principal>,
}

impl AdminSession {
    /// The user acting in the chosen shop; `None` until a shop is chosen.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }
}

fn buckets(email: &str, client: Option<IpAddr>) -> (String, Option<String>) {
    (
        format!("account:{}", tilaus_domain::text::fold(email)),
        client.map(|ip| format!("ip:{ip}")),
    )
}

fn minutes_until(until: i64, now: i64) -> i64 {
    ((until - now) + MINUTE - 1) / MINUTE
}

impl App {
    /// Checks the e-mail and password and starts a session. Refused while the account or the
    /// client address is locked out; every failure counts towards both locks.
    pub async fn login(&self, attempt: &LoginAttempt<'_>) -> Result<NewSession, AppError> {
        let now = now_micros();
        let (account, address) = buckets(attempt.email, attempt.client);
        let all: Vec<String> = std::iter::once(account.clone())
            .chain(address.clone())
            .collect();
        if let Some(until) = session::locked_until(&mut self.db.read().await?, &all, now).await? {
            return Err(AppError::TooManyAttempts {
                minutes: minutes_until(until, now),
            });
        }
        let principal = match self
            .authenticate_password(attempt.email, attempt.password, None)
            .await
        {
            Ok(principal) => principal,
            Err(AppError::Unauthenticated(reason)) => {
                let mut tx = self.db.begin().await?;
                let mut locked = session::record_failure(
                    &mut tx,
                    &account,
                    now,
                    THROTTLE_WINDOW,
                    ACCOUNT_LIMIT,
                    LOCK_DURATION,
                )
                .await?;
                if let Some(address) = &address {
                    locked |= session::record_failure(
                        &mut tx,
                        address,
                        now,
                        THROTTLE_WINDOW,
                        ADDRESS_LIMIT,
                        LOCK_DURATION,
                    )
                    .await?;
                }
                tx.commit().await?;
                tracing::info!(locked, "admin login refused");
                return Err(if locked {
                    AppError::TooManyAttempts {
                        minutes: minutes_until(now + LOCK_DURATION, now),
                    }
                } else {
                    AppError::Unauthenticated(reason)
                });
            }
            Err(other) => return Err(other),
        };
        let user_id = principal
            .actor
            .id
            .ok_or(AppError::Unauthenticated("the user is unknown"))?;
        let token = random_token();
        let mut tx = self.db.begin().await?;
        session::clear_bucket(&mut tx, &account).await?;
        session::purge(&mut tx, now, THROTTLE_WINDOW).await?;
        let shops = session::user_shops(&mut tx, user_id).await?;
        let shop_id = match shops.as_slice() {
            [only] => Some(only.shop_id),
            _ => None,
        };
        let row = session::SessionRow {
            token_hash: sha256_hex(token.as_bytes()),
            user_id,
            shop_id,
            csrf_token: random_token(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_LIFETIME,
        };
        session::insert(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(NewSession {
            token,
            needs_shop: shop_id.is_none(),
        })
    }

    /// The session a cookie token names, or `None` when it is unknown, expired or idle too long.
    pub async fn resume_session(&self, token: &str) -> Result<Option<AdminSession>, AppError> {
        let hash = sha256_hex(token.as_bytes());
        let now = now_micros();
        let mut conn = self.db.read().await?;
        let Some(row) = session::find(&mut conn, &hash).await? else {
            return Ok(None);
        };
        if row.expires_at <= now || row.last_seen_at + IDLE_TIMEOUT <= now {
            drop(conn);
            let mut tx = self.db.begin().await?;
            session::delete(&mut tx, &hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let shops: Vec<ShopChoice> = session::user_shops(&mut conn, row.user_id)
            .await?
            .into_iter()
            .filter_map(|s| {
                Some(ShopChoice {
                    id: s.shop_id,
                    name: s.name,
                    role: Role::parse(&s.role)?,
                    time_zone: crate::time::zone(&s.time_zone),
                })
            })
            .collect();
        drop(conn);
        if now - row.last_seen_at >= TOUCH_EVERY {
            let mut tx = self.db.begin().await?;
            session::touch(&mut tx, &hash, now).await?;
            tx.commit().await?;
        }
        let current = row
            .shop_id
            .and_then(|id| shops.iter().find(|s| s.id == id).cloned());
        let principal = current
            .as_ref()
            .map(|shop| Principal::user(shop.id, shop.role, row.user_id, &row.user_name));
        Ok(Some(AdminSession {
            user_id: row.user_id,
            user_name: row.user_name,
            user_email: row.user_email,
            ui_language: row.ui_language,
            csrf_token: row.csrf_token,
            shops,
            current,
            principal,
        }))
    }

    /// Remembers the admin UI language the user chose, so that it follows them to any browser.
    pub async fn remember_ui_language(
        &self,
        session: &AdminSession,
        language: Language,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin().await?;
        session::set_ui_language(&mut tx, session.user_id, language.as_str()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes one of the user's shops the one the session works in.
    pub async fn choose_shop(
        &self,
        token: &str,
        session: &AdminSession,
        shop_id: Uuid,
    ) -> Result<(), AppError> {
        if !session.shops.iter().any(|s| s.id == shop_id) {
            return Err(AppError::NotFound("shop"));
        }
        let mut tx = self.db.begin().await?;
        session::select_shop(
            &mut tx,
            &sha256_hex(token.as_bytes()),
            shop_id,
            now_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends the session; its token is worthless from now on.
    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        let mut tx = self.db.begin().await?;
        session::delete(&mut tx, &sha256_hex(token.as_bytes())).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_compare_exactly() {
        let a = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).map(|b| b.len()), Ok(32));
        assert!(tokens_match(&a, &a.clone()));
        assert!(!tokens_match(&a, &random_token()));
        assert!(!tokens_match(&a, &a[..10]));
        assert!(!tokens_match("", "x"));
    }

    #[test]
    fn lock_messages_round_minutes_up() {
        assert_eq!(minutes_until(MINUTE * 15, 0), 15);
        assert_eq!(minutes_until(MINUTE + 1, 0), 2);
        assert_eq!(minutes_until(1, 0), 1);
    }
}
