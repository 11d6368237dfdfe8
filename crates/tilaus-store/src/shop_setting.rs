//! Per-shop settings kept as one JSON document each (a shop's notification rules, the ways of
//! paying it accepts): staff edit them as a whole, and the hot paths read them with one lookup.
//! No row means the shop never changed the defaults.

use crate::schema::{NotificationRules, PaymentSettings};
use crate::{Queries, ShopScope, StoreError};
use sea_query::{Alias, DynIden, Expr, ExprTrait, IntoIden, OnConflict, Query};

/// Which setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The domain's notification rule set (NTF-3).
    NotificationRules,
    /// The accepted ways of paying, as a list of names.
    PaymentMethods,
}

impl Setting {
    /// The table and its document column.
    fn table_and_column(self) -> (DynIden, DynIden) {
        match self {
            Setting::NotificationRules => (
                NotificationRules::Table.into_iden(),
                NotificationRules::Rules.into_iden(),
            ),
            Setting::PaymentMethods => (
                PaymentSettings::Table.into_iden(),
                PaymentSettings::Accepted.into_iden(),
            ),
        }
    }
}

// Every settings table names its key and bookkeeping columns alike.
const SHOP_ID: &str = "shop_id";
const UPDATED_BY: &str = "updated_by";
const UPDATED_AT: &str = "updated_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingRow {
    /// The setting as JSON.
    pub value: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// The shop's setting; `None` when it never changed the defaults.
pub async fn get(
    q: &mut impl Queries,
    scope: ShopScope,
    setting: Setting,
) -> Result<Option<SettingRow>, StoreError> {
    let (table, column) = setting.table_and_column();
    q.fetch_optional(
        Query::select()
            .expr_as(Expr::col(column), Alias::new("value"))
            .columns([Alias::new(UPDATED_BY), Alias::new(UPDATED_AT)])
            .from(table)
            .and_where(Expr::col(Alias::new(SHOP_ID)).eq(scope.shop_id())),
    )
    .await
}

pub async fn put(
    q: &mut impl Queries,
    scope: ShopScope,
    setting: Setting,
    row: &SettingRow,
) -> Result<(), StoreError> {
    let (table, column) = setting.table_and_column();
    q.execute(
        Query::insert()
            .into_table(table)
            .columns([
                Alias::new(SHOP_ID).into_iden(),
                column.clone(),
                Alias::new(UPDATED_BY).into_iden(),
                Alias::new(UPDATED_AT).into_iden(),
            ])
            .values_panic([
                scope.shop_id().into(),
                row.value.clone().into(),
                row.updated_by.clone().into(),
                row.updated_at.into(),
            ])
            .on_conflict(
                OnConflict::column(Alias::new(SHOP_ID))
                    .update_columns([
                        column,
                        Alias::new(UPDATED_BY).into_iden(),
                        Alias::new(UPDATED_AT).into_iden(),
                    ])
                    .to_owned(),
            ),
    )
    .await
    .map(|_| ())
}
