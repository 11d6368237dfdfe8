//! Recording and reading the shop's audit trail: who changed products, tokens, channels and
//! members, and when. Orders keep their own event history with the same actors.

use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use serde::Serialize;
use tilaus_store::{Queries, ShopScope, audit, now_micros};
use utoipa::ToSchema;
use uuid::Uuid;

/// Writes one audit entry in the caller's transaction, so the entry exists exactly when the
/// change does.
pub(crate) async fn record(
    q: &mut impl Queries,
    scope: ShopScope,
    principal: &Principal,
    action: &str,
    subject: &str,
    data: serde_json::Value,
) -> Result<(), AppError> {
    let actor = &principal.actor;
    let row = audit::AuditRow {
        audit_id: Uuid::now_v7(),
        action: action.into(),
        subject: subject.into(),
        actor_kind: actor.kind.as_str().into(),
        actor_id: actor.id,
        actor_label: actor.label.clone(),
        data: data.to_string(),
        created_at: now_micros(),
    };
    audit::record(q, scope, &row).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    /// e.g. `product.created`, `token.revoked`.
    pub action: String,
    pub subject: String,
    /// `user`, `token` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for older entries; null on the last page.
    pub next_cursor: Option<Uuid>,
}

impl App {
    /// The shop's audit trail, newest first. Administrators only: it names people and tokens.
    pub async fn audit_log(
        &self,
        principal: &Principal,
        before: Option<Uuid>,
        limit: Option<u64>,
    ) -> Result<AuditPage, AppError> {
        let scope = principal.admin_scope()?;
        let limit = crate::page_limit(limit)?;
        let rows = audit::list(&mut self.db.read().await?, scope, before, limit + 1).await?;
        let (rows, more) = crate::split_page(rows, limit);
        let items: Vec<AuditEntry> = rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.audit_id,
                action: r.action,
                subject: r.subject,
                actor_kind: r.actor_kind,
                actor_id: r.actor_id,
                actor_label: r.actor_label,
                data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
                created_at: rfc3339(r.created_at),
            })
            .collect();
        let next_cursor = if more {
            items.last().map(|e| e.id)
        } else {
            None
        };
        Ok(AuditPage { items, next_cursor })
    }
}
