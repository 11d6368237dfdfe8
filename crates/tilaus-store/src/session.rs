//! Admin UI sessions (stored as token hashes) and the login throttle.
//!
//! Both tables are global like `users`: a session exists before its user picks a shop, and a
//! throttle bucket counts failures per client address or per account.

use crate::schema::{AdminSessions, LoginThrottle, Memberships, Shops, Users};
use crate::{Queries, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 (hex) of the token in the cookie.
    pub token_hash: String,
    pub user_id: Uuid,
    pub shop_id: Option<Uuid>,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// A session with the facts about its user that every page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUserRow {
    pub token_hash: String,
    pub user_id: Uuid,
    pub shop_id: Option<Uuid>,
    pub csrf_token: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_name: String,
    pub user_email: String,
    /// The admin UI language the user chose, if any.
    pub ui_language: Option<String>,
}

/// A shop the user belongs to, with their role there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserShopRow {
    pub shop_id: Uuid,
    pub name: String,
    pub time_zone: String,
    pub role: String,
}

pub async fn insert(q: &mut impl Queries, row: &SessionRow) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(AdminSessions::Table)
            .columns([
                AdminSessions::TokenHash,
                AdminSessions::UserId,
                AdminSessions::ShopId,
                AdminSessions::CsrfToken,
                AdminSessions::CreatedAt,
                AdminSessions::LastSeenAt,
                AdminSessions::ExpiresAt,
            ])
            .values_panic([
                row.token_hash.clone().into(),
                row.user_id.into(),
                row.shop_id.into(),
                row.csrf_token.clone().into(),
                row.created_at.into(),
                row.last_seen_at.into(),
                row.expires_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn find(
    q: &mut impl Queries,
    token_hash: &str,
) -> Result<Option<SessionUserRow>, StoreError> {
    let s = |c: AdminSessions| (AdminSessions::Table, c);
    q.fetch_optional(
        Query::select()
            .columns([
                s(AdminSessions::TokenHash),
                s(AdminSessions::UserId),
                s(AdminSessions::ShopId),
                s(AdminSessions::CsrfToken),
                s(AdminSessions::LastSeenAt),
                s(AdminSessions::ExpiresAt),
            ])
            .expr_as(Expr::col((Users::Table, Users::Name)), "user_name")
            .expr_as(Expr::col((Users::Table, Users::Email)), "user_email")
            .expr_as(Expr::col((Users::Table, Users::UiLanguage)), "ui_language")
            .from(AdminSessions::Table)
            .inner_join(
                Users::Table,
                Expr::col((Users::Table, Users::UserId)).equals(s(AdminSessions::UserId)),
            )
            .and_where(Expr::col(s(AdminSessions::TokenHash)).eq(token_hash)),
    )
    .await
}

/// Records activity (for the idle timeout).
pub async fn touch(q: &mut impl Queries, token_hash: &str, now: i64) -> Result<(), StoreError> {
    q.execute(
        Query::update()
            .table(AdminSessions::Table)
            .value(AdminSessions::LastSeenAt, now)
            .and_where(Expr::col(AdminSessions::TokenHash).eq(token_hash)),
    )
    .await
    .map(|_| ())
}

/// Remembers the admin UI language the user chose.
pub async fn set_ui_language(
    q: &mut impl Queries,
    user_id: Uuid,
    language: &str,
) -> Result<(), StoreError> {
    q.execute(
        Query::update()
            .table(Users::Table)
            .value(Users::UiLanguage, language)
            .and_where(Expr::col(Users::UserId).eq(user_id)),
    )
    .await
    .map(|_| ())
}

pub async fn select_shop(
    q: &mut impl Queries,
    token_hash: &str,
    shop_id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(AdminSessions::Table)
                .value(AdminSessions::ShopId, shop_id)
                .value(AdminSessions::LastSeenAt, now)
                .and_where(Expr::col(AdminSessions::TokenHash).eq(token_hash)),
        )
        .await?;
    Ok(touched == 1)
}

pub async fn delete(q: &mut impl Queries, token_hash: &str) -> Result<(), StoreError> {
    q.execute(
        Query::delete()
            .from_table(AdminSessions::Table)
            .and_where(Expr::col(AdminSessions::TokenHash).eq(token_hash)),
    )
    .await
    .map(|_| ())
}

/// Ends every session of a user (after a password change).
pub async fn delete_for_user(q: &mut impl Queries, user_id: Uuid) -> Result<u64, StoreError> {
    q.execute(
        Query::delete()
            .from_table(AdminSessions::Table)
            .and_where(Expr::col(AdminSessions::UserId).eq(user_id)),
    )
    .await
}

/// Removes sessions past their absolute end and idle throttle buckets.
pub async fn purge(q: &mut impl Queries, now: i64, window: i64) -> Result<(), StoreError> {
    q.execute(
        Query::delete()
            .from_table(AdminSessions::Table)
            .and_where(Expr::col(AdminSessions::ExpiresAt).lt(now)),
    )
    .await?;
    q.execute(
        Query::delete()
            .from_table(LoginThrottle::Table)
            .and_where(Expr::col(LoginThrottle::WindowStart).lt(now - window))
            .and_where(
                Expr::col(LoginThrottle::LockedUntil)
                    .is_null()
                    .or(Expr::col(LoginThrottle::LockedUntil).lt(now)),
            ),
    )
    .await
    .map(|_| ())
}

/// The shops a user belongs to, by name.
pub async fn user_shops(
    q: &mut impl Queries,
    user_id: Uuid,
) -> Result<Vec<UserShopRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns([
                (Shops::Table, Shops::ShopId),
                (Shops::Table, Shops::Name),
                (Shops::Table, Shops::TimeZone),
            ])
            .column((Memberships::Table, Memberships::Role))
            .from(Memberships::Table)
            .inner_join(
                Shops::Table,
                Expr::col((Shops::Table, Shops::ShopId))
                    .equals((Memberships::Table, Memberships::ShopId)),
            )
            .and_where(Expr::col((Memberships::Table, Memberships::UserId)).eq(user_id))
            .order_by((Shops::Table, Shops::Name), Order::Asc),
    )
    .await
}

/// The latest lock of any of the buckets, when one is locked at `now`.
pub async fn locked_until(
    q: &mut impl Queries,
    buckets: &[String],
    now: i64,
) -> Result<Option<i64>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Lock {
        locked_until: Option<i64>,
    }
    let rows: Vec<Lock> = q
        .fetch_all(
            Query::select()
                .column(LoginThrottle::LockedUntil)
                .from(LoginThrottle::Table)
                .and_where(
                    Expr::col(LoginThrottle::Bucket).is_in(buckets.iter().map(String::as_str)),
                )
                .and_where(Expr::col(LoginThrottle::LockedUntil).gt(now)),
        )
        .await?;
    Ok(rows.into_iter().filter_map(|r| r.locked_until).max())
}

/// Counts one failure in the bucket's window (a window older than `window` starts again). When
/// the count reaches `limit` the bucket is locked for `lock` and the count starts again.
/// Returns whether this failure locked the bucket.
pub async fn record_failure(
    q: &mut impl Queries,
    bucket: &str,
    now: i64,
    window: i64,
    limit: i32,
    lock: i64,
) -> Result<bool, StoreError> {
    q.execute(
        Query::insert()
            .into_table(LoginThrottle::Table)
            .columns([
                LoginThrottle::Bucket,
                LoginThrottle::Failures,
                LoginThrottle::WindowStart,
                LoginThrottle::LockedUntil,
            ])
            .values_panic([bucket.into(), 0_i32.into(), now.into(), None::<i64>.into()])
            .on_conflict(
                OnConflict::column(LoginThrottle::Bucket)
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await?;
    // Both CASEs read the row as it was, on SQLite and PostgreSQL alike.
    let stale = Expr::col(LoginThrottle::WindowStart).lte(now - window);
    #[derive(sqlx::FromRow)]
    struct Count {
        failures: i32,
    }
    let count: Option<Count> = q
        .fetch_optional(
            Query::update()
                .table(LoginThrottle::Table)
                .value(
                    LoginThrottle::Failures,
                    Expr::case(stale.clone(), 1_i32)
                        .finally(Expr::col(LoginThrottle::Failures).add(1_i32)),
                )
                .value(
                    LoginThrottle::WindowStart,
                    Expr::case(stale, now).finally(Expr::col(LoginThrottle::WindowStart)),
                )
                .and_where(Expr::col(LoginThrottle::Bucket).eq(bucket))
                .returning(Query::returning().column(LoginThrottle::Failures)),
        )
        .await?;
    let failures = count.map_or(0, |c| c.failures);
    if failures < limit {
        return Ok(false);
    }
    q.execute(
        Query::update()
            .table(LoginThrottle::Table)
            .value(LoginThrottle::LockedUntil, now + lock)
            .value(LoginThrottle::Failures, 0_i32)
            .value(LoginThrottle::WindowStart, now)
            .and_where(Expr::col(LoginThrottle::Bucket).eq(bucket)),
    )
    .await?;
    Ok(true)
}

/// Forgets a bucket's failures (after a successful login to the account).
pub async fn clear_bucket(q: &mut impl Queries, bucket: &str) -> Result<(), StoreError> {
    q.execute(
        Query::delete()
            .from_table(LoginThrottle::Table)
            .and_where(Expr::col(LoginThrottle::Bucket).eq(bucket)),
    )
    .await
    .map(|_| ())
}
