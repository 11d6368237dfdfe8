//! Notification rules (NTF-1, NTF-3, NTF-7): each shop's rule list, and what an order event
//! does by them — the messages it writes and the automatic steps it takes.
//!
//! [`crate::order::append_event`] runs the rules for every event, inside the event's
//! transaction: the messages (with their jobs) before the event is written, the automatic steps
//! after it, so that the history reads in order ("delivered", then "completed by a rule"). A
//! step acts through the same commands staff use and appends its own event, which may run rules
//! in turn; [`Trigger::allows`] keeps that chain at most two steps long.

use crate::job::EnqueueOptions;
use crate::message::{self, write_about_order};
use crate::order::move_state;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tilaus_domain::access::Actor;
use tilaus_domain::customer::CustomerKind;
use tilaus_domain::document::DocumentKind;
use tilaus_domain::event::EventKind;
use tilaus_domain::message::Channel;
use tilaus_domain::order::{DeliveryState, OrderState, PaymentState, ProductKind};
use tilaus_domain::rules::{
    Action, AutomaticStep, OrderFacts, Rule, RuleSet, Trigger, is_repeat, trigger_of,
};
use tilaus_store::shop_setting::{self as store, Setting, SettingRow};
use tilaus_store::{Queries, ShopScope, Tx, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// A shop's rules as the API shows and takes them: the whole list at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    /// In order. Each: `id` (kept across edits; a new rule may leave it out), `trigger`
    /// (`order_received`, `order_confirmed`, `order_processing`, `order_shipped`,
    /// `order_delivered`, `order_cancelled`, `order_delayed`, `payment_received`,
    /// `invoice_issued`), `conditions` (`channels`, `customer_kind`, `tag`, `product_kind`,
    /// `min_total`, `max_total`; all optional), `action` (`{"type": "send", "delay_minutes": 0}`
    /// or `{"type": "step", "step": "start_processing" | "complete"}`) and `enabled`.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Rule>,
    /// The same message is not sent twice to a customer about one order within this many
    /// minutes (0–10080; 720 by default).
    pub repeat_window_minutes: i64,
    /// Who changed the rules last; `None` while the shop has the defaults.
    #[serde(default, skip_deserializing)]
    pub updated_by: Option<String>,
}

impl From<RuleSet> for RuleSettings {
    fn from(set: RuleSet) -> Self {
        RuleSettings {
            rules: set.rules,
            repeat_window_minutes: set.repeat_window_minutes,
            updated_by: None,
        }
    }
}

/// The shop's rules: its own list, or the defaults while it has none.
pub(crate) async fn rule_set(q: &mut impl Queries, scope: ShopScope) -> Result<RuleSet, AppError> {
    Ok(
        match store::get(q, scope, Setting::NotificationRules).await? {
            Some(row) => parse(&row)?,
            None => RuleSet::default(),
        },
    )
}

fn parse(row: &SettingRow) -> Result<RuleSet, AppError> {
    serde_json::from_str(&row.value).map_err(|e| {
        AppError::Store(tilaus_store::StoreError::corrupt(
            "notification_rules.rules",
            e,
        ))
    })
}

impl App {
    pub async fn rule_settings(&self, principal: &Principal) -> Result<RuleSettings, AppError> {
        let mut conn = self.db.read().await?;
        let scope = principal.read_scope();
        Ok(
            match store::get(&mut conn, scope, Setting::NotificationRules).await? {
                Some(row) => RuleSettings {
                    updated_by: Some(row.updated_by.clone()),
                    ..parse(&row)?.into()
                },
                None => RuleSet::default().into(),
            },
        )
    }

    /// Replaces the shop's rules (owner or manager).
    pub async fn put_rule_settings(
        &self,
        principal: &Principal,
        input: &RuleSettings,
    ) -> Result<RuleSettings, AppError> {
        let scope = principal.admin_scope()?;
        let set = RuleSet {
            rules: input.rules.clone(),
            repeat_window_minutes: input.repeat_window_minutes,
        }
        .validate()?;
        let row = SettingRow {
            value: serde_json::to_string(&set)
                .map_err(|e| AppError::Conflict(format!("the rules cannot be stored: {e}")))?,
            updated_by: principal.actor.label.clone(),
            updated_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        store::put(&mut tx, scope, Setting::NotificationRules, &row).await?;
        tx.commit().await?;
        Ok(RuleSettings {
            updated_by: Some(row.updated_by),
            ..set.into()
        })
    }
}

/// An automatic step a rule asked for, taken once the event that caused it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub rule_id: Uuid,
    pub step: AutomaticStep,
}

/// Runs the shop's rules for an order event about to be written: writes the messages they send
/// (with their jobs) and returns the automatic steps to take after the event.
pub(crate) async fn for_event(
    tx: &mut impl Queries,
    scope: ShopScope,
    order_id: Uuid,
    event: EventKind,
    data: &serde_json::Value,
) -> Result<Vec<Step>, AppError> {
    let new_state = data["after"]["state"].as_str().and_then(OrderState::parse);
    let payment_state = data["payment_state"].as_str().and_then(PaymentState::parse);
    let invoice = data["kind"].as_str() == Some(DocumentKind::Invoice.as_str());
    let Some(trigger) = trigger_of(event, new_state, payment_state, invoice) else {
        return Ok(Vec::new());
    };
    let set = rule_set(tx, scope).await?;
    if !set.rules.iter().any(|r| r.enabled && r.trigger == trigger) {
        return Ok(Vec::new());
    }
    let Some(order) = order::get(tx, scope, order_id).await? else {
        return Ok(Vec::new());
    };
    let product_kinds = product_kinds(tx, scope, &set, trigger, order_id).await?;
    let tags: Vec<String> = serde_json::from_str(&order.tags).unwrap_or_default();
    let facts = OrderFacts {
        channel: &order.channel,
        customer_kind: CustomerKind::parse(&order.customer_kind).unwrap_or(CustomerKind::Consumer),
        tags: &tags,
        product_kinds: &product_kinds,
        gross: order.gross,
    };
    let mut steps = Vec::new();
    let mut sends = Vec::new();
    for rule in set.applying(trigger, &facts) {
        match &rule.action {
            Action::Send {
                delay_minutes,
                channels,
            } => sends.extend(channels.iter().map(|c| (rule.id, *delay_minutes, *c))),
            Action::Step { step } => steps.push(Step {
                rule_id: rule.id,
                step: *step,
            }),
        }
    }
    if sends.is_empty() {
        return Ok(steps);
    }
    // E-mail while the shop sends it automatically; texts once it has an SMS sender.
    let settings = tilaus_store::message::settings(tx, scope).await?;
    for (rule_id, delay_minutes, channel) in sends {
        let on = match channel {
            Channel::Email => settings.automatic_email,
            Channel::Sms => settings.sms_sender.is_some(),
        };
        if !on {
            continue;
        }
        let delay = Duration::from_secs(u64::try_from(delay_minutes).unwrap_or(0) * 60);
        let about = Send {
            trigger,
            channel,
            window_minutes: set.repeat_window_minutes,
            delay,
        };
        about.write(tx, scope, &order, data).await.map_err(|e| {
            tracing::warn!(%rule_id, %order_id, error = %e, "a rule's message failed");
            e
        })?;
    }
    Ok(steps)
}

/// The kinds of the order's lines, read only when a rule for this trigger asks for them.
async fn product_kinds(
    tx: &mut impl Queries,
    scope: ShopScope,
    set: &RuleSet,
    trigger: Trigger,
    order_id: Uuid,
) -> Result<Vec<ProductKind>, AppError> {
    let asks = set
        .rules
        .iter()
        .any(|r| r.trigger == trigger && r.conditions.product_kind.is_some());
    if !asks {
        return Ok(Vec::new());
    }
    let lines = order::lines(tx, scope, order_id).await?;
    Ok(lines
        .iter()
        .filter_map(|l| ProductKind::parse(&l.kind))
        .collect())
}

/// One message a rule sends.
struct Send {
    trigger: Trigger,
    channel: Channel,
    window_minutes: i64,
    delay: Duration,
}

impl Send {
    /// Writes the trigger's message unless the same kind went through the same channel to this
    /// order within the window.
    async fn write(
        &self,
        tx: &mut impl Queries,
        scope: ShopScope,
        order: &order::OrderRow,
        data: &serde_json::Value,
    ) -> Result<(), AppError> {
        let kind = self.trigger.message();
        // An order just received has no messages yet: no lookup on the ingest path.
        let last = match self.trigger {
            Trigger::OrderReceived => None,
            _ => {
                tilaus_store::message::last_written(
                    tx,
                    scope,
                    order.order_id,
                    kind.as_str(),
                    self.channel.as_str(),
                )
                .await?
            }
        };
        if is_repeat(last, now_micros(), self.window_minutes) {
            tracing::info!(order_id = %order.order_id, %kind, "sent within the repeat window: not again");
            return Ok(());
        }
        let mut about = message::EventFacts::gather(tx, scope, order, kind, data).await?;
        let documents = std::mem::take(&mut about.documents);
        let options = EnqueueOptions {
            delay: self.delay,
            ..EnqueueOptions::default()
        };
        write_about_order(
            tx,
            scope,
            order,
            kind,
            self.channel,
            options,
            &documents,
            |context| about.fill(context),
        )
        .await?;
        Ok(())
    }
}

/// Takes the automatic steps the rules asked for, each through the command staff use.
pub(crate) async fn take_steps(
    tx: &mut Tx,
    scope: ShopScope,
    order_id: Uuid,
    steps: Vec<Step>,
) -> Result<(), AppError> {
    for Step { rule_id, step } in steps {
        let actor = Actor::system("rule");
        let Some(order) = order::get(tx, scope, order_id).await? else {
            return Ok(());
        };
        let took = match step {
            AutomaticStep::StartProcessing => {
                crate::delivery::start_processing_in(tx, scope, &actor, order, Some(rule_id))
                    .await?
            }
            AutomaticStep::Complete => complete_in(tx, scope, &actor, order, rule_id).await?,
            AutomaticStep::CapturePayments => {
                crate::paylink::enqueue_capture(tx, scope, order_id).await?
            }
        };
        tracing::debug!(%order_id, %rule_id, %step, took, "automatic step");
    }
    Ok(())
}

/// Completes an invoiced or paid order whose deliveries have all arrived; `false` (nothing
/// changes) otherwise.
async fn complete_in(
    tx: &mut Tx,
    scope: ShopScope,
    actor: &Actor,
    order: order::OrderRow,
    rule_id: Uuid,
) -> Result<bool, AppError> {
    let state = crate::document::order_state(&order)?;
    let delivered = order.delivery_state == DeliveryState::Delivered.as_str();
    if !delivered || state.transition(OrderState::Completed).is_err() {
        return Ok(false);
    }
    let mut details = serde_json::Map::new();
    details.insert("rule_id".into(), rule_id.to_string().into());
    move_state(tx, scope, actor, order, OrderState::Completed, details).await?;
    Ok(true)
}
