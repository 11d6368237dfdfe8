//! Shops, their counters and channels, staff users, memberships and API tokens.

use crate::schema::{ApiTokens, Channels, Memberships, ShopCounters, Shops, Users};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ShopRow {
    pub shop_id: Uuid,
    pub name: String,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    /// JSON of the domain's `Address`.
    pub address: String,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub default_currency: String,
    pub default_language: String,
    /// JSON array of language codes.
    pub languages: String,
    pub time_zone: String,
    pub created_at: i64,
}

const SHOP_COLUMNS: [Shops; 12] = [
    Shops::ShopId,
    Shops::Name,
    Shops::BusinessId,
    Shops::VatId,
    Shops::Address,
    Shops::Iban,
    Shops::Bic,
    Shops::DefaultCurrency,
    Shops::DefaultLanguage,
    Shops::Languages,
    Shops::TimeZone,
    Shops::CreatedAt,
];

/// Creates a shop with its counters and the given channels.
pub async fn insert_shop(q: &mut impl Queries, shop: &ShopRow) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(Shops::Table)
            .columns(SHOP_COLUMNS)
            .values_panic([
                shop.shop_id.into(),
                shop.name.clone().into(),
                shop.business_id.clone().into(),
                shop.vat_id.clone().into(),
                shop.address.clone().into(),
                shop.iban.clone().into(),
                shop.bic.clone().into(),
                shop.default_currency.clone().into(),
                shop.default_language.clone().into(),
                shop.languages.clone().into(),
                shop.time_zone.clone().into(),
                shop.created_at.into(),
            ]),
    )
    .await?;
    q.execute(
        Query::insert()
            .into_table(ShopCounters::Table)
            .columns([
                ShopCounters::ShopId,
                ShopCounters::LastOrderNumber,
                ShopCounters::LastEventId,
            ])
            .values_panic([shop.shop_id.into(), 0_i64.into(), 0_i64.into()]),
    )
    .await?;
    crate::dialect::create_order_numbers(q, shop.shop_id, 0).await
}

/// Changes what the shop's documents say of the seller: name, business and VAT ids, address,
/// IBAN and BIC.
pub async fn set_details(
    q: &mut impl Queries,
    scope: ShopScope,
    shop: &ShopRow,
) -> Result<(), StoreError> {
    q.execute(
        Query::update()
            .table(Shops::Table)
            .values([
                (Shops::Name, shop.name.clone().into()),
                (Shops::BusinessId, shop.business_id.clone().into()),
                (Shops::VatId, shop.vat_id.clone().into()),
                (Shops::Address, shop.address.clone().into()),
                (Shops::Iban, shop.iban.clone().into()),
                (Shops::Bic, shop.bic.clone().into()),
            ])
            .and_where(Expr::col(Shops::ShopId).eq(scope.shop_id())),
    )
    .await
    .map(|_| ())
}

pub async fn get_shop(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Option<ShopRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(SHOP_COLUMNS)
            .from(Shops::Table)
            .and_where(Expr::col(Shops::ShopId).eq(scope.shop_id())),
    )
    .await
}

/// Reserves `count` event ids for the shop and returns the last: SQLite's way of numbering
/// events inside their transaction (see [`crate::order::insert_event`]).
pub(crate) async fn reserve_event_ids(
    q: &mut impl Queries,
    scope: ShopScope,
    count: i64,
) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Last {
        last_event_id: i64,
    }
    let last: Option<Last> = q
        .fetch_optional(
            Query::update()
                .table(ShopCounters::Table)
                .value(
                    ShopCounters::LastEventId,
                    Expr::col(ShopCounters::LastEventId).add(count),
                )
                .and_where(Expr::col(ShopCounters::ShopId).eq(scope.shop_id()))
                .returning_col(ShopCounters::LastEventId),
        )
        .await?;
    Ok(last
        .ok_or_else(|| StoreError::corrupt("shop_counters", scope.shop_id()))?
        .last_event_id)
}

/// The shop's latest numbered event id (0 before the first event): where a live view that
/// shows the current state starts.
pub async fn last_event_id(q: &mut impl Queries, scope: ShopScope) -> Result<i64, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Last {
        last_event_id: i64,
    }
    let last: Option<Last> = q
        .fetch_optional(
            Query::select()
                .column(ShopCounters::LastEventId)
                .from(ShopCounters::Table)
                .and_where(Expr::col(ShopCounters::ShopId).eq(scope.shop_id())),
        )
        .await?;
    Ok(last.map_or(0, |l| l.last_event_id))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub created_at: i64,
}

pub async fn insert_channel(
    q: &mut impl Queries,
    scope: ShopScope,
    channel: &ChannelRow,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(Channels::Table)
            .columns([
                Channels::ShopId,
                Channels::Code,
                Channels::Name,
                Channels::Kind,
                Channels::CreatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                channel.code.clone().into(),
                channel.name.clone().into(),
                channel.kind.clone().into(),
                channel.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn list_channels(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Vec<ChannelRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns([
                Channels::Code,
                Channels::Name,
                Channels::Kind,
                Channels::CreatedAt,
            ])
            .from(Channels::Table)
            .and_where(Expr::col(Channels::ShopId).eq(scope.shop_id()))
            .order_by(Channels::CreatedAt, Order::Asc)
            .order_by(Channels::Code, Order::Asc),
    )
    .await
}

pub async fn get_channel(
    q: &mut impl Queries,
    scope: ShopScope,
    code: &str,
) -> Result<Option<ChannelRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns([
                Channels::Code,
                Channels::Name,
                Channels::Kind,
                Channels::CreatedAt,
            ])
            .from(Channels::Table)
            .and_where(Expr::col(Channels::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(Channels::Code).eq(code)),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub user_id: Uuid,
    pub email: String,
    pub email_key: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
}

/// Adds a staff user; a duplicate e-mail is a unique violation.
pub async fn insert_user(q: &mut impl Queries, user: &UserRow) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(Users::Table)
            .columns([
                Users::UserId,
                Users::Email,
                Users::EmailKey,
                Users::Name,
                Users::PasswordHash,
                Users::CreatedAt,
            ])
            .values_panic([
                user.user_id.into(),
                user.email.clone().into(),
                user.email_key.clone().into(),
                user.name.clone().into(),
                user.password_hash.clone().into(),
                user.created_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

pub async fn find_user_by_email(
    q: &mut impl Queries,
    email_key: &str,
) -> Result<Option<UserRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns([
                Users::UserId,
                Users::Email,
                Users::EmailKey,
                Users::Name,
                Users::PasswordHash,
                Users::CreatedAt,
            ])
            .from(Users::Table)
            .and_where(Expr::col(Users::EmailKey).eq(email_key)),
    )
    .await
}

pub async fn set_password_hash(
    q: &mut impl Queries,
    user_id: Uuid,
    password_hash: &str,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(Users::Table)
                .value(Users::PasswordHash, password_hash)
                .and_where(Expr::col(Users::UserId).eq(user_id)),
        )
        .await?;
    Ok(touched == 1)
}

/// Gives a user a role in a shop, replacing any role they had there.
pub async fn set_membership(
    q: &mut impl Queries,
    scope: ShopScope,
    user_id: Uuid,
    role: &str,
    now: i64,
) -> Result<(), StoreError> {
    q.execute(
        Query::insert()
            .into_table(Memberships::Table)
            .columns([
                Memberships::ShopId,
                Memberships::UserId,
                Memberships::Role,
                Memberships::CreatedAt,
            ])
            .values_panic([
                scope.shop_id().into(),
                user_id.into(),
                role.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([Memberships::ShopId, Memberships::UserId])
                    .update_column(Memberships::Role)
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_id: Uuid,
    pub name: String,
    pub role: String,
    /// Hex SHA-256 of the whole token.
    pub secret_hash: String,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

const TOKEN_COLUMNS: [ApiTokens; 7] = [
    ApiTokens::TokenId,
    ApiTokens::Name,
    ApiTokens::Role,
    ApiTokens::SecretHash,
    ApiTokens::CreatedBy,
    ApiTokens::CreatedAt,
    ApiTokens::RevokedAt,
];

pub async fn insert_token(
    q: &mut impl Queries,
    scope: ShopScope,
    token: &TokenRow,
) -> Result<(), StoreError> {
    let mut columns = vec![ApiTokens::ShopId];
    columns.extend(TOKEN_COLUMNS);
    q.execute(
        Query::insert()
            .into_table(ApiTokens::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                token.token_id.into(),
                token.name.clone().into(),
                token.role.clone().into(),
                token.secret_hash.clone().into(),
                token.created_by.clone().into(),
                token.created_at.into(),
                token.revoked_at.into(),
            ]),
    )
    .await
    .map(|_| ())
}

/// Looks a token up for authentication, before any scope exists: the shop id comes from the
/// token itself and is checked against the stored hash by the caller.
pub async fn find_token(
    q: &mut impl Queries,
    shop_id: Uuid,
    token_id: Uuid,
) -> Result<Option<TokenRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(TOKEN_COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::ShopId).eq(shop_id))
            .and_where(Expr::col(ApiTokens::TokenId).eq(token_id)),
    )
    .await
}

pub async fn list_tokens(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Vec<TokenRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(TOKEN_COLUMNS)
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::ShopId).eq(scope.shop_id()))
            .order_by(ApiTokens::CreatedAt, Order::Asc),
    )
    .await
}

/// Revokes a token; `false` when the shop has no such active token.
pub async fn revoke_token(
    q: &mut impl Queries,
    scope: ShopScope,
    token_id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    let touched = q
        .execute(
            Query::update()
                .table(ApiTokens::Table)
                .value(ApiTokens::RevokedAt, now)
                .and_where(Expr::col(ApiTokens::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(ApiTokens::TokenId).eq(token_id))
                .and_where(Expr::col(ApiTokens::RevokedAt).is_null()),
        )
        .await?;
    Ok(touched == 1)
}

/// The shops a user belongs to, with their role in each.
pub async fn user_memberships(
    q: &mut impl Queries,
    user_id: Uuid,
) -> Result<Vec<(Uuid, String)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Membership {
        shop_id: Uuid,
        role: String,
    }
    let rows: Vec<Membership> = q
        .fetch_all(
            Query::select()
                .columns([Memberships::ShopId, Memberships::Role])
                .from(Memberships::Table)
                .and_where(Expr::col(Memberships::UserId).eq(user_id)),
        )
        .await?;
    Ok(rows.into_iter().map(|m| (m.shop_id, m.role)).collect())
}

/// Whether the database holds any shop yet (a first start creates the demo shop).
pub async fn any_exists(q: &mut impl Queries) -> Result<bool, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        #[allow(dead_code)]
        shop_id: Uuid,
    }
    let row: Option<Id> = q
        .fetch_optional(
            Query::select()
                .column(Shops::ShopId)
                .from(Shops::Table)
                .limit(1),
        )
        .await?;
    Ok(row.is_some())
}
