//! A shop's own message templates (NTF-4), replacing the shipped defaults per kind, channel and
//! language.

use crate::schema::MessageTemplates;
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TemplateRow {
    pub kind: String,
    pub channel: String,
    pub language: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub updated_by: String,
    pub updated_at: i64,
}

const COLUMNS: [MessageTemplates; 8] = [
    MessageTemplates::Kind,
    MessageTemplates::Channel,
    MessageTemplates::Language,
    MessageTemplates::Subject,
    MessageTemplates::BodyText,
    MessageTemplates::BodyHtml,
    MessageTemplates::UpdatedBy,
    MessageTemplates::UpdatedAt,
];

/// The shop's template of a kind, channel and language, if it wrote one.
pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: &str,
    channel: &str,
    language: &str,
) -> Result<Option<TemplateRow>, StoreError> {
    q.fetch_optional(
        Query::select()
            .columns(COLUMNS)
            .from(MessageTemplates::Table)
            .and_where(Expr::col(MessageTemplates::ShopId).eq(scope.shop_id()))
            .and_where(Expr::col(MessageTemplates::Kind).eq(kind))
            .and_where(Expr::col(MessageTemplates::Channel).eq(channel))
            .and_where(Expr::col(MessageTemplates::Language).eq(language)),
    )
    .await
}

/// Every template the shop wrote.
pub async fn list(q: &mut impl Queries, scope: ShopScope) -> Result<Vec<TemplateRow>, StoreError> {
    q.fetch_all(
        Query::select()
            .columns(COLUMNS)
            .from(MessageTemplates::Table)
            .and_where(Expr::col(MessageTemplates::ShopId).eq(scope.shop_id()))
            .order_by(MessageTemplates::Kind, Order::Asc)
            .order_by(MessageTemplates::Language, Order::Asc),
    )
    .await
}

/// Writes (or replaces) a template.
pub async fn put(
    q: &mut impl Queries,
    scope: ShopScope,
    row: &TemplateRow,
) -> Result<(), StoreError> {
    let mut columns = vec![MessageTemplates::ShopId];
    columns.extend(COLUMNS);
    q.execute(
        Query::insert()
            .into_table(MessageTemplates::Table)
            .columns(columns)
            .values_panic([
                scope.shop_id().into(),
                row.kind.clone().into(),
                row.channel.clone().into(),
                row.language.clone().into(),
                row.subject.clone().into(),
                row.body_text.clone().into(),
                row.body_html.clone().into(),
                row.updated_by.clone().into(),
                row.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    MessageTemplates::ShopId,
                    MessageTemplates::Kind,
                    MessageTemplates::Channel,
                    MessageTemplates::Language,
                ])
                .update_columns([
                    MessageTemplates::Subject,
                    MessageTemplates::BodyText,
                    MessageTemplates::BodyHtml,
                    MessageTemplates::UpdatedBy,
                    MessageTemplates::UpdatedAt,
                ])
                .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}

/// Removes the shop's template, so the default applies again; `false` when there was none.
pub async fn delete(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: &str,
    channel: &str,
    language: &str,
) -> Result<bool, StoreError> {
    let deleted = q
        .execute(
            Query::delete()
                .from_table(MessageTemplates::Table)
                .and_where(Expr::col(MessageTemplates::ShopId).eq(scope.shop_id()))
                .and_where(Expr::col(MessageTemplates::Kind).eq(kind))
                .and_where(Expr::col(MessageTemplates::Channel).eq(channel))
                .and_where(Expr::col(MessageTemplates::Language).eq(language)),
        )
        .await?;
    Ok(deleted > 0)
}
