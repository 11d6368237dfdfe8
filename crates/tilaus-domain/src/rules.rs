//! Notification rules (NTF-1, NTF-3, NTF-7): which order event sends which message to the
//! customer, under which conditions, and which events move the order on by themselves.
//!
//! A rule is a trigger (something that happened to an order), conditions on the order, and one
//! action: send the trigger's message (optionally delayed), start processing, or complete the
//! order. A shop's rules are one list it edits as a whole; a shop that never edited them has
//! [`default_rules`]. Against spam (too many messages get mail treated as spam, and hurt the
//! shop's marketing mail), the same kind of message is not sent to the same customer about the
//! same order twice within the shop's repeat window ([`is_repeat`]).

use crate::customer::CustomerKind;
use crate::event::EventKind;
use crate::message::{Channel, MessageKind};
use crate::money::MAX_AMOUNT;
use crate::order::{OrderState, PaymentState, ProductKind};
use crate::string_enum;
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// At most this many rules per shop: enough for every trigger with a few variants each.
pub const MAX_RULES: usize = 50;

/// The repeat window a shop starts with: 12 hours, so that two parcels sent the same day make
/// one message and a correction the next morning still goes out.
pub const DEFAULT_REPEAT_WINDOW_MINUTES: i64 = 12 * 60;

/// The longest delay or repeat window: a week.
pub const MAX_MINUTES: i64 = 7 * 24 * 60;

string_enum! {
    /// What happened to an order that a rule can act on. The spellings are public (API, rule
    /// lists).
    Trigger {
        /// A new order arrived (any channel, also staff's).
        OrderReceived = "order_received",
        OrderConfirmed = "order_confirmed",
        /// Work on the order's delivery began.
        OrderProcessing = "order_processing",
        /// A delivery left, with its carrier and tracking.
        OrderShipped = "order_shipped",
        /// A delivery reached the customer.
        OrderDelivered = "order_delivered",
        OrderCancelled = "order_cancelled",
        /// Staff told the customer that the order is late, with the expected date.
        OrderDelayed = "order_delayed",
        /// A payment made the order paid in full.
        PaymentReceived = "payment_received",
        InvoiceIssued = "invoice_issued",
    }
}

/// What an order event means for the rules: its trigger, if any. `new_state` is the state a
/// state change moved to; `payment_state` the order's payment state after a payment;
/// `document_issued_invoice` whether an issued document was an invoice.
pub fn trigger_of(
    event: EventKind,
    new_state: Option<OrderState>,
    payment_state: Option<PaymentState>,
    document_issued_invoice: bool,
) -> Option<Trigger> {
    match event {
        EventKind::OrderCreated => Some(Trigger::OrderReceived),
        EventKind::OrderStateChanged => match new_state? {
            OrderState::Confirmed => Some(Trigger::OrderConfirmed),
            OrderState::Cancelled => Some(Trigger::OrderCancelled),
            _ => None,
        },
        EventKind::DeliveryProcessing => Some(Trigger::OrderProcessing),
        EventKind::DeliveryShipped => Some(Trigger::OrderShipped),
        EventKind::DeliveryDelivered => Some(Trigger::OrderDelivered),
        EventKind::DelayNotified => Some(Trigger::OrderDelayed),
        EventKind::PaymentRecorded => {
            (payment_state? == PaymentState::Paid).then_some(Trigger::PaymentReceived)
        }
        EventKind::DocumentIssued => document_issued_invoice.then_some(Trigger::InvoiceIssued),
        _ => None,
    }
}

impl Trigger {
    /// The message this trigger sends.
    pub fn message(self) -> MessageKind {
        match self {
            Trigger::OrderReceived => MessageKind::OrderReceived,
            Trigger::OrderConfirmed => MessageKind::OrderConfirmed,
            Trigger::OrderProcessing => MessageKind::OrderProcessing,
            Trigger::OrderShipped => MessageKind::OrderShipped,
            Trigger::OrderDelivered => MessageKind::OrderDelivered,
            Trigger::OrderCancelled => MessageKind::OrderCancelled,
            Trigger::OrderDelayed => MessageKind::OrderDelayed,
            Trigger::PaymentReceived => MessageKind::PaymentReceived,
            Trigger::InvoiceIssued => MessageKind::InvoiceIssued,
        }
    }

    /// The automatic steps that make sense after this trigger: processing starts once an order
    /// is agreed or paid; an order is completed once delivered.
    pub fn allows(self, step: AutomaticStep) -> bool {
        match step {
            AutomaticStep::StartProcessing => {
                matches!(self, Trigger::OrderConfirmed | Trigger::PaymentReceived)
            }
            AutomaticStep::Complete => {
                matches!(self, Trigger::OrderDelivered | Trigger::PaymentReceived)
            }
            AutomaticStep::CapturePayments => {
                matches!(self, Trigger::OrderShipped | Trigger::OrderDelivered)
            }
        }
    }
}

string_enum! {
    /// A status change a rule makes by itself (NTF-7), through the same commands staff use.
    AutomaticStep {
        /// Starts processing the order's delivery, unless it has one already.
        StartProcessing = "start_processing",
        /// Completes an invoiced or paid order once every delivery is delivered.
        Complete = "complete",
        /// Takes the money of the order's authorised card payments (FUL-4), through a job that
        /// asks the provider after the shipping is committed.
        CapturePayments = "capture_payments",
    }
}

/// What a rule does when it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Sends the trigger's message through each of `channels` (e-mail when absent),
    /// `delay_minutes` after the event.
    Send {
        #[serde(default)]
        delay_minutes: i64,
        #[serde(default = "email_only")]
        channels: Vec<Channel>,
    },
    /// Moves the order on by itself.
    Step { step: AutomaticStep },
}

/// Conditions on the order; a rule applies when all that are given hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Conditions {
    /// The order came through one of these source channels (e.g. `web`, `pos`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_kind: Option<CustomerKind>,
    /// The order carries this tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The order has a line of this kind (goods to deliver, or a service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_kind: Option<ProductKind>,
    /// The order's total (gross, minor units) is at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_total: Option<i64>,
    /// The order's total is at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_total: Option<i64>,
}

/// The facts about an order that conditions look at.
#[derive(Debug, Clone, Copy)]
pub struct OrderFacts<'a> {
    pub channel: &'a str,
    pub customer_kind: CustomerKind,
    pub tags: &'a [String],
    pub product_kinds: &'a [ProductKind],
    pub gross: i64,
}

impl Conditions {
    pub fn hold_for(&self, order: &OrderFacts<'_>) -> bool {
        (self.channels.is_empty() || self.channels.iter().any(|c| c == order.channel))
            && self.customer_kind.is_none_or(|k| k == order.customer_kind)
            && self
                .tag
                .as_ref()
                .is_none_or(|tag| order.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)))
            && self
                .product_kind
                .is_none_or(|k| order.product_kinds.contains(&k))
            && self.min_total.is_none_or(|min| order.gross >= min)
            && self.max_total.is_none_or(|max| order.gross <= max)
    }
}

/// One rule of a shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable across edits, so that a message or event can say which rule made it.
    #[serde(default = "Uuid::now_v7")]
    pub id: Uuid,
    pub trigger: Trigger,
    #[serde(default)]
    pub conditions: Conditions,
    pub action: Action,
    /// A switched-off rule stays in the list and does nothing.
    #[serde(default = "on")]
    pub enabled: bool,
}

fn on() -> bool {
    true
}

fn email_only() -> Vec<Channel> {
    vec![Channel::Email]
}

/// A shop's rules and its repeat window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The same message kind is not sent again to the same customer about the same order within
    /// this many minutes (0 = no window).
    #[serde(default = "default_window")]
    pub repeat_window_minutes: i64,
}

fn default_window() -> i64 {
    DEFAULT_REPEAT_WINDOW_MINUTES
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            rules: default_rules(),
            repeat_window_minutes: DEFAULT_REPEAT_WINDOW_MINUTES,
        }
    }
}

/// The rules a new shop starts with: the customer hears when the order arrives, is confirmed,
/// ships (with tracking and the document), is late, is cancelled, is invoiced and is paid (the
/// shipped and late news also by text message, once the shop sends them); an
/// invoiced or paid order whose deliveries have all arrived completes by itself, and card
/// payments only authorised at checkout are captured when the order ships (FUL-4). The
/// processing and delivered messages are there but off: many shops find them one message too
/// many.
pub fn default_rules() -> Vec<Rule> {
    // The important news also goes by text message (NTF-2): the parcel left, the order is late.
    let send = |trigger, enabled| Rule {
        id: default_id(trigger, 0),
        trigger,
        conditions: Conditions::default(),
        action: Action::Send {
            delay_minutes: 0,
            channels: match trigger {
                Trigger::OrderShipped | Trigger::OrderDelayed => vec![Channel::Email, Channel::Sms],
                _ => email_only(),
            },
        },
        enabled,
    };
    let mut rules: Vec<Rule> = [
        (Trigger::OrderReceived, true),
        (Trigger::OrderConfirmed, true),
        (Trigger::OrderProcessing, false),
        (Trigger::OrderShipped, true),
        (Trigger::OrderDelivered, false),
        (Trigger::OrderDelayed, true),
        (Trigger::OrderCancelled, true),
        (Trigger::InvoiceIssued, true),
        (Trigger::PaymentReceived, true),
    ]
    .into_iter()
    .map(|(trigger, enabled)| send(trigger, enabled))
    .collect();
    // Whichever comes last, the final delivery or the payment, completes the order.
    for trigger in [Trigger::OrderDelivered, Trigger::PaymentReceived] {
        rules.push(Rule {
            id: default_id(trigger, 1),
            trigger,
            conditions: Conditions::default(),
            action: Action::Step {
                step: AutomaticStep::Complete,
            },
            enabled: true,
        });
    }
    rules.push(Rule {
        id: default_id(Trigger::OrderShipped, 1),
        trigger: Trigger::OrderShipped,
        conditions: Conditions::default(),
        action: Action::Step {
            step: AutomaticStep::CapturePayments,
        },
        enabled: true,
    });
    rules
}

/// Default rules have fixed ids, so that a shop's untouched defaults and an edited copy of them
/// name the same rules.
fn default_id(trigger: Trigger, n: u8) -> Uuid {
    let index = Trigger::ALL.iter().position(|t| *t == trigger).unwrap_or(0);
    let index = u8::try_from(index).unwrap_or(u8::MAX);
    Uuid::from_bytes([
        0x7d, 0xef, 0xa0, 0x17, 0, 0, 0x70, 0, 0x80, 0, 0, 0, 0, 0, index, n,
    ])
}

impl RuleSet {
    /// Checks a rule list as staff or an integration gave it.
    pub fn validate(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.rules.len() > MAX_RULES {
            errors.push("/rules", format!("give at most {MAX_RULES} rules"));
        }
        if !(0..=MAX_MINUTES).contains(&self.repeat_window_minutes) {
            errors.push(
                "/repeat_window_minutes",
                format!("give 0 to {MAX_MINUTES} minutes"),
            );
        }
        let mut ids = std::collections::HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if !ids.insert(rule.id) {
                errors.push(format!("/rules/{i}/id"), "another rule has this id");
            }
            rule.check(&format!("/rules/{i}"), &mut errors);
        }
        errors.into_result().map(|()| self)
    }

    /// The rules that apply to `trigger` on this order, in list order.
    pub fn applying<'a>(
        &'a self,
        trigger: Trigger,
        order: &'a OrderFacts<'_>,
    ) -> impl Iterator<Item = &'a Rule> {
        self.rules.iter().filter(move |rule| {
            rule.enabled && rule.trigger == trigger && rule.conditions.hold_for(order)
        })
    }
}

impl Rule {
    fn check(&self, at: &str, errors: &mut ValidationErrors) {
        match &self.action {
            Action::Send { delay_minutes, .. } if !(0..=MAX_MINUTES).contains(delay_minutes) => {
                errors.push(
                    format!("{at}/action/delay_minutes"),
                    format!("give 0 to {MAX_MINUTES} minutes"),
                );
            }
            Action::Send { channels, .. }
                if channels.is_empty()
                    || channels.len()
                        != channels
                            .iter()
                            .collect::<std::collections::HashSet<_>>()
                            .len() =>
            {
                errors.push(
                    format!("{at}/action/channels"),
                    "give email, sms or both, each once",
                );
            }
            Action::Step { step } if !self.trigger.allows(*step) => {
                errors.push(
                    format!("{at}/action/step"),
                    format!("{step} does not follow from {}", self.trigger),
                );
            }
            _ => {}
        }
        let c = &self.conditions;
        for (name, amount) in [("min_total", c.min_total), ("max_total", c.max_total)] {
            if amount.is_some_and(|a| !(0..=MAX_AMOUNT).contains(&a)) {
                errors.push(
                    format!("{at}/conditions/{name}"),
                    "give an amount from 0 in minor units",
                );
            }
        }
        if let (Some(min), Some(max)) = (c.min_total, c.max_total)
            && min > max
        {
            errors.push(
                format!("{at}/conditions/max_total"),
                "give a maximum not below the minimum",
            );
        }
        if c.tag.as_deref().is_some_and(|t| t.trim().is_empty()) {
            errors.push(format!("{at}/conditions/tag"), "give a tag or none");
        }
        if c.channels.iter().any(|ch| ch.trim().is_empty()) {
            errors.push(format!("{at}/conditions/channels"), "give channel names");
        }
    }
}

/// Whether a message sent at `last_sent_at` (microseconds) makes one at `now` a repeat within
/// the window.
pub fn is_repeat(last_sent_at: Option<i64>, now: i64, window_minutes: i64) -> bool {
    last_sent_at.is_some_and(|last| window_minutes > 0 && now - last < window_minutes * 60_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(tags: &'a [String], kinds: &'a [ProductKind]) -> OrderFacts<'a> {
        OrderFacts {
            channel: "web",
            customer_kind: CustomerKind::Consumer,
            tags,
            product_kinds: kinds,
            gross: 10_000,
        }
    }

    #[test]
    fn events_map_to_triggers() {
        use EventKind as E;
        assert_eq!(
            trigger_of(E::OrderCreated, None, None, false),
            Some(Trigger::OrderReceived)
        );
        assert_eq!(
            trigger_of(E::OrderStateChanged, Some(OrderState::Paid), None, false),
            None
        );
        assert_eq!(
            trigger_of(
                E::PaymentRecorded,
                None,
                Some(PaymentState::PartiallyPaid),
                false
            ),
            None
        );
        assert_eq!(
            trigger_of(E::PaymentRecorded, None, Some(PaymentState::Paid), false),
            Some(Trigger::PaymentReceived)
        );
        assert_eq!(trigger_of(E::DocumentIssued, None, None, false), None);
        assert_eq!(
            trigger_of(E::DocumentIssued, None, None, true),
            Some(Trigger::InvoiceIssued)
        );
        assert_eq!(
            trigger_of(E::DeliveryShipped, None, None, false),
            Some(Trigger::OrderShipped)
        );
        assert_eq!(trigger_of(E::NoteAdded, None, None, false), None);
    }

    #[test]
    fn conditions_all_have_to_hold() {
        let tags = ["VIP".to_owned()];
        let kinds = [ProductKind::Goods];
        let order = facts(&tags, &kinds);
        assert!(Conditions::default().hold_for(&order));
        let vip = Conditions {
            tag: Some("vip".into()),
            channels: vec!["pos".into(), "web".into()],
            product_kind: Some(ProductKind::Goods),
            min_total: Some(10_000),
            max_total: Some(10_000),
            customer_kind: Some(CustomerKind::Consumer),
        };
        assert!(vip.hold_for(&order));
        for miss in [
            Conditions {
                channels: vec!["pos".into()],
                ..vip.clone()
            },
            Conditions {
                customer_kind: Some(CustomerKind::Organisation),
                ..vip.clone()
            },
            Conditions {
                tag: Some("b2b".into()),
                ..vip.clone()
            },
            Conditions {
                product_kind: Some(ProductKind::Service),
                ..vip.clone()
            },
            Conditions {
                min_total: Some(10_001),
                ..vip.clone()
            },
            Conditions {
                max_total: Some(9_999),
                ..vip.clone()
            },
        ] {
            assert!(!miss.hold_for(&order), "{miss:?}");
        }
    }

    #[test]
    fn defaults_are_valid_and_cover_every_trigger_once_with_a_message() {
        let set = RuleSet::default().validate().expect("valid defaults");
        for trigger in Trigger::ALL {
            let sends = set
                .rules
                .iter()
                .filter(|r| r.trigger == *trigger && matches!(r.action, Action::Send { .. }))
                .count();
            assert_eq!(sends, 1, "{trigger}");
        }
        let mut ids: Vec<_> = set.rules.iter().map(|r| r.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), set.rules.len());
    }

    #[test]
    fn switched_off_and_unmatched_rules_do_not_apply() {
        let set = RuleSet::default();
        let order = facts(&[], &[]);
        let shipped: Vec<_> = set.applying(Trigger::OrderShipped, &order).collect();
        assert_eq!(
            shipped.len(),
            2,
            "the message, and the capture of authorised payments"
        );
        assert_eq!(
            shipped[1].action,
            Action::Step {
                step: AutomaticStep::CapturePayments
            }
        );
        assert_eq!(set.applying(Trigger::OrderProcessing, &order).count(), 0);
        let delivered: Vec<_> = set.applying(Trigger::OrderDelivered, &order).collect();
        assert_eq!(
            delivered.iter().map(|r| &r.action).collect::<Vec<_>>(),
            [&Action::Step {
                step: AutomaticStep::Complete
            }]
        );
    }

    #[test]
    fn bad_rules_are_refused_with_pointers() {
        let mut set = RuleSet {
            repeat_window_minutes: -1,
            ..RuleSet::default()
        };
        set.rules[0].action = Action::Send {
            delay_minutes: -5,
            channels: email_only(),
        };
        set.rules[1].action = Action::Step {
            step: AutomaticStep::Complete,
        };
        set.rules[2].conditions.min_total = Some(500);
        set.rules[2].conditions.max_total = Some(100);
        set.rules[3].id = set.rules[4].id;
        let errors = set.validate().expect_err("invalid");
        let pointers: Vec<_> = errors.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/repeat_window_minutes",
                "/rules/0/action/delay_minutes",
                "/rules/1/action/step",
                "/rules/2/conditions/max_total",
                "/rules/4/id",
            ]
        );
    }

    #[test]
    fn a_repeat_is_a_message_within_the_window() {
        let minute = 60_000_000;
        assert!(!is_repeat(None, 100 * minute, 60));
        assert!(is_repeat(Some(50 * minute), 100 * minute, 60));
        assert!(!is_repeat(Some(40 * minute), 100 * minute, 60));
        assert!(!is_repeat(Some(99 * minute), 100 * minute, 0));
    }

    #[test]
    fn rules_read_back_from_json_with_defaults_filled_in() {
        let set: RuleSet = serde_json::from_str(
            r#"{"rules":[{"trigger":"order_shipped","action":{"type":"send"}}]}"#,
        )
        .expect("parses");
        assert_eq!(set.repeat_window_minutes, DEFAULT_REPEAT_WINDOW_MINUTES);
        assert!(set.rules[0].enabled);
        assert_eq!(
            set.rules[0].action,
            Action::Send {
                delay_minutes: 0,
                channels: vec![Channel::Email]
            }
        );
        let back: RuleSet =
            serde_json::from_str(&serde_json::to_string(&set).expect("json")).expect("parses");
        assert_eq!(back, set);
    }
}
