//! Highlight rules of the order list (CUS-11, first version). A rule is private to the user
//! who made it unless it is shared with the shop's other users.
//!
//! Who may do what: anyone signed in may keep private rules (read-only users too: a rule only
//! changes how their own list looks). Sharing a rule changes everyone's list, so it takes a
//! role that may change the shop (not read-only); a shared rule may be deleted by its author
//! (with such a role) or by an owner or manager. Shared rules' changes go to the audit trail.

use crate::order::OrderSummary;
use crate::{App, AppError, Principal, audit};
use serde_json::json;
use tilaus_domain::highlight::{Colour, Icon, OrderFacts, Rule};
use tilaus_store::highlight::{self, HighlightRuleRow};
use tilaus_store::{StoreError, now_micros};
use uuid::Uuid;

/// A rule as typed in the settings form.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub name: String,
    pub field: String,
    pub condition: String,
    pub value: String,
    /// Empty for none.
    pub colour: String,
    /// Empty for none.
    pub icon: String,
    pub shared: bool,
}

/// A rule the user sees, with what they may do with it.
#[derive(Debug, Clone)]
pub struct HighlightRule {
    pub id: Uuid,
    pub rule: Rule,
    pub shared: bool,
    /// The user made it.
    pub mine: bool,
    /// The user may delete it.
    pub deletable: bool,
}

fn domain(row: &HighlightRuleRow) -> Result<Rule, StoreError> {
    let corrupt = |_| StoreError::corrupt("highlight_rules", row.rule_id);
    Rule::parse(
        &row.name,
        &row.field,
        &row.condition,
        &row.value,
        row.colour.as_deref().unwrap_or_default(),
        row.icon.as_deref().unwrap_or_default(),
    )
    .map_err(corrupt)
}

fn may_delete(principal: &Principal, user_id: Uuid, row: &HighlightRuleRow) -> bool {
    let mine = row.user_id == user_id;
    if row.shared {
        (mine && principal.role.can_write()) || principal.role.can_administer()
    } else {
        mine
    }
}

fn audit_data(row: &HighlightRuleRow) -> serde_json::Value {
    json!({
        "id": row.rule_id, "name": row.name, "field": row.field, "condition": row.condition,
        "value": row.value, "colour": row.colour, "icon": row.icon,
    })
}

impl OrderSummary {
    /// What highlight rules look at in this order.
    pub fn facts(&self) -> OrderFacts<'_> {
        let organisation =
            (self.customer.kind == "organisation").then_some(self.customer.name.as_str());
        OrderFacts {
            state: &self.state,
            payment_state: &self.payment_state,
            delivery_state: &self.delivery_state,
            channel: &self.channel,
            tags: &self.tags,
            total: self.totals.gross,
            customer_kind: &self.customer.kind,
            organisation,
            created_at: self
                .created_at
                .parse::<jiff::Timestamp>()
                .map_or(0, |t| t.as_microsecond()),
        }
    }
}

impl App {
    /// The rules that apply to the user's list: their own and the shop's shared ones, in the
    /// order they were made. One query, read once per page or row.
    pub async fn highlight_rules(
        &self,
        principal: &Principal,
    ) -> Result<Vec<HighlightRule>, AppError> {
        let Ok(user_id) = principal.staff_user() else {
            return Ok(Vec::new());
        };
        let rows =
            highlight::visible(&mut self.db.read().await?, principal.read_scope(), user_id).await?;
        rows.iter()
            .map(|row| {
                Ok(HighlightRule {
                    id: row.rule_id,
                    rule: domain(row)?,
                    shared: row.shared,
                    mine: row.user_id == user_id,
                    deletable: may_delete(principal, user_id, row),
                })
            })
            .collect::<Result<_, StoreError>>()
            .map_err(AppError::from)
    }

    pub async fn create_highlight_rule(
        &self,
        principal: &Principal,
        input: &RuleInput,
    ) -> Result<HighlightRule, AppError> {
        let user_id = principal.staff_user()?;
        let scope = if input.shared {
            principal.write_scope()?
        } else {
            principal.read_scope()
        };
        let rule = Rule::parse(
            &input.name,
            &input.field,
            &input.condition,
            &input.value,
            &input.colour,
            &input.icon,
        )?;
        let row = HighlightRuleRow {
            rule_id: Uuid::now_v7(),
            user_id,
            shared: input.shared,
            name: rule.name.clone(),
            field: rule.criterion.field.as_str().into(),
            condition: rule.criterion.condition.as_str().into(),
            value: rule.criterion.value_text(),
            colour: rule.colour.map(|c: Colour| c.as_str().into()),
            icon: rule.icon.map(|i: Icon| i.as_str().into()),
            created_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        highlight::insert(&mut tx, scope, &row).await?;
        if row.shared {
            let data = audit_data(&row);
            audit::record(
                &mut tx,
                scope,
                principal,
                "highlight.created",
                &row.name,
                data,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(HighlightRule {
            id: row.rule_id,
            rule,
            shared: row.shared,
            mine: true,
            deletable: may_delete(principal, user_id, &row),
        })
    }

    /// Deletes a rule the user may delete; another user's private rule is "not found".
    pub async fn delete_highlight_rule(
        &self,
        principal: &Principal,
        rule_id: Uuid,
    ) -> Result<(), AppError> {
        let user_id = principal.staff_user()?;
        let scope = principal.read_scope();
        let mut tx = self.db.begin().await?;
        let row = highlight::visible(&mut tx, scope, user_id)
            .await?
            .into_iter()
            .find(|r| r.rule_id == rule_id)
            .ok_or(AppError::NotFound("highlight rule"))?;
        if !may_delete(principal, user_id, &row) {
            return Err(AppError::Forbidden(
                "a shared rule is deleted by its author or by an owner or manager".into(),
            ));
        }
        highlight::delete(&mut tx, scope, rule_id).await?;
        if row.shared {
            let data = audit_data(&row);
            audit::record(
                &mut tx,
                scope,
                principal,
                "highlight.deleted",
                &row.name,
                data,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
