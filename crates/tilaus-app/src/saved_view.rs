//! Saved views of the order list (ORD-9): a user's named filters, e.g. "Today's web orders",
//! shown as quick links. They are personal: every read and write is scoped by the shop and the
//! user, and another user's view is "not found". Read-only users may keep views too, since a
//! view changes nothing in the shop.

use crate::order::ListQuery;
use crate::{App, AppError, Principal};
use tilaus_domain::text;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::saved_view::{self, SavedViewRow};
use tilaus_store::{StoreError, now_micros};
use uuid::Uuid;

/// The longest view name: it is a quick link's text.
pub const MAX_NAME: usize = 60;
/// The longest stored filter (the list's query string).
const MAX_QUERY: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: Uuid,
    pub name: String,
    /// The list's filters as its canonical query string, e.g. `channel=web&created=today`.
    pub query: String,
}

impl From<SavedViewRow> for SavedView {
    fn from(row: SavedViewRow) -> Self {
        SavedView {
            id: row.view_id,
            name: row.name,
            query: row.query,
        }
    }
}

/// Turns a second view of the same name into a form error on the name.
fn name_taken(name: &str) -> impl FnOnce(StoreError) -> AppError + '_ {
    move |e| {
        if e.is_unique_violation() {
            AppError::invalid("/name", format!("you already have a view called '{name}'"))
        } else {
            e.into()
        }
    }
}

fn check_name(name: &str) -> Result<String, AppError> {
    text::required(name, MAX_NAME).map_err(|e| AppError::invalid("/name", e))
}

impl App {
    /// The user's views by name.
    pub async fn saved_views(&self, principal: &Principal) -> Result<Vec<SavedView>, AppError> {
        let user_id = principal.staff_user()?;
        let rows =
            saved_view::list(&mut self.db.read().await?, principal.read_scope(), user_id).await?;
        Ok(rows.into_iter().map(SavedView::from).collect())
    }

    /// Saves the list's current filters under a name. `query` is the canonical query string
    /// the list made of `filters`; the filters are checked as the list checks them, so a view
    /// never stores what the list would refuse.
    pub async fn save_view(
        &self,
        principal: &Principal,
        name: &str,
        filters: &ListQuery,
        query: &str,
    ) -> Result<SavedView, AppError> {
        let user_id = principal.staff_user()?;
        let scope = principal.read_scope();
        let mut errors = ValidationErrors::default();
        let name = errors.check("/name", text::required(name, MAX_NAME));
        if query.chars().count() > MAX_QUERY {
            errors.push("/query", format!("must be at most {MAX_QUERY} characters"));
        }
        let mut tx = self.db.begin().await?;
        let shop = self.shop_context(&mut tx, scope).await?;
        let filters = ListQuery {
            cursor: None,
            limit: None,
            ..filters.clone()
        };
        if let Err(invalid) = filters.to_filter(&shop.zone) {
            errors.0.extend(invalid.0);
        }
        errors.into_result()?;
        let now = now_micros();
        let row = SavedViewRow {
            view_id: Uuid::now_v7(),
            user_id,
            name: name.unwrap_or_default(),
            query: query.to_owned(),
            created_at: now,
            updated_at: now,
        };
        saved_view::insert(&mut tx, scope, &row)
            .await
            .map_err(name_taken(&row.name))?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn rename_view(
        &self,
        principal: &Principal,
        view_id: Uuid,
        name: &str,
    ) -> Result<(), AppError> {
        let user_id = principal.staff_user()?;
        let name = check_name(name)?;
        let mut tx = self.db.begin().await?;
        let renamed = saved_view::rename(
            &mut tx,
            principal.read_scope(),
            user_id,
            view_id,
            &name,
            now_micros(),
        )
        .await
        .map_err(name_taken(&name))?;
        if !renamed {
            return Err(AppError::NotFound("saved view"));
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_view(&self, principal: &Principal, view_id: Uuid) -> Result<(), AppError> {
        let user_id = principal.staff_user()?;
        let mut tx = self.db.begin().await?;
        if !saved_view::delete(&mut tx, principal.read_scope(), user_id, view_id).await? {
            return Err(AppError::NotFound("saved view"));
        }
        tx.commit().await?;
        Ok(())
    }
}
