//! Highlight rules for the order list (CUS-11, first version): "orders over 500 € in blue",
//! "a flag on open orders older than 24 hours". A rule names one field of an order, a
//! condition and a value, and a colour from a small palette and/or an icon from a fixed set.
//!
//! Rules are checked against an order's [`OrderFacts`] while its list row is drawn, so this
//! module decides matches only; storing rules and drawing rows happen elsewhere.

use crate::customer::CustomerKind;
use crate::money::{Currency, format_major, parse_major};
use crate::order::{DeliveryState, OrderState, PaymentState, parse_channel_code};
use crate::string_enum;
use crate::text;
use crate::validation::ValidationErrors;

string_enum! {
    /// What a rule looks at.
    Field {
        State = "state",
        PaymentState = "payment_state",
        DeliveryState = "delivery_state",
        Channel = "channel",
        Tag = "tag",
        /// The order's gross total.
        Total = "total",
        CustomerKind = "customer_kind",
        /// The organisation's name (consumers have none).
        Organisation = "organisation",
        /// Time since the order was created.
        Age = "age",
    }
}

string_enum! {
    /// How a rule compares the field with its value.
    Condition {
        Is = "is",
        IsNot = "is_not",
        Contains = "contains",
        GreaterThan = "greater_than",
        LessThan = "less_than",
        /// The value is a number of hours.
        OlderThan = "older_than",
    }
}

string_enum! {
    /// The palette: each colour has a light tint and a dark edge that keep the row's text
    /// readable (WCAG AA) and are told apart by more than hue alone.
    Colour {
        Red = "red",
        Orange = "orange",
        Yellow = "yellow",
        Green = "green",
        Blue = "blue",
        Purple = "purple",
    }
}

string_enum! {
    /// The fixed set of icons; each is shown with the rule's name as its text.
    Icon {
        Flag = "flag",
        Star = "star",
        Alert = "alert",
        Clock = "clock",
        Euro = "euro",
    }
}

/// The longest rule name: it is shown beside rows as the rule's text label.
pub const MAX_NAME: usize = 60;
/// The oldest age a rule can ask about: a year, in hours.
pub const MAX_AGE_HOURS: i64 = 24 * 366;

impl Field {
    /// The conditions that make sense for the field.
    pub fn conditions(self) -> &'static [Condition] {
        use Condition::*;
        match self {
            Field::State
            | Field::PaymentState
            | Field::DeliveryState
            | Field::Channel
            | Field::CustomerKind => &[Is, IsNot],
            Field::Tag | Field::Organisation => &[Is, IsNot, Contains],
            Field::Total => &[GreaterThan, LessThan],
            Field::Age => &[OlderThan],
        }
    }
}

/// A checked comparison: the field, the condition and the value in its own type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub field: Field,
    pub condition: Condition,
    value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// A state, channel or customer kind, or folded (lower-case) text for tags and names.
    Text(String),
    /// Minor units.
    Amount(i64),
    Hours(i64),
}

fn one_of<T>(
    value: &str,
    parse: fn(&str) -> Option<T>,
    expected: String,
) -> Result<String, String> {
    parse(value)
        .map(|_| value.to_owned())
        .ok_or_else(|| format!("'{value}' is not one of {expected}"))
}

impl Criterion {
    /// Checks a rule's field, condition and value as typed, each problem under its own pointer
    /// (`/field`, `/condition`, `/value`).
    pub fn parse(field: &str, condition: &str, value: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let field = errors.check(
            "/field",
            Field::parse(field.trim())
                .ok_or_else(|| format!("'{}' is not one of {}", field.trim(), Field::expected())),
        );
        let condition = errors.check(
            "/condition",
            Condition::parse(condition.trim()).ok_or_else(|| {
                format!(
                    "'{}' is not one of {}",
                    condition.trim(),
                    Condition::expected()
                )
            }),
        );
        let (Some(field), Some(condition)) = (field, condition) else {
            return Err(errors);
        };
        if !field.conditions().contains(&condition) {
            let allowed: Vec<&str> = field.conditions().iter().map(|c| c.as_str()).collect();
            errors.push(
                "/condition",
                format!("{field} can be compared with {}", allowed.join(", ")),
            );
            return Err(errors);
        }
        let value = value.trim();
        let parsed = match field {
            Field::State => {
                one_of(value, OrderState::parse, OrderState::expected()).map(Value::Text)
            }
            Field::PaymentState => {
                one_of(value, PaymentState::parse, PaymentState::expected()).map(Value::Text)
            }
            Field::DeliveryState => {
                one_of(value, DeliveryState::parse, DeliveryState::expected()).map(Value::Text)
            }
            Field::CustomerKind => {
                one_of(value, CustomerKind::parse, CustomerKind::expected()).map(Value::Text)
            }
            Field::Channel => parse_channel_code(value).map(Value::Text),
            Field::Tag | Field::Organisation => {
                text::required(value, 100).map(|v| Value::Text(text::fold(&v)))
            }
            // Every supported currency has cents, so one amount compares with any order's total.
            Field::Total => parse_major(value, Currency::Eur).map(Value::Amount),
            Field::Age => value
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=MAX_AGE_HOURS).contains(h))
                .map(Value::Hours)
                .ok_or_else(|| {
                    format!("must be a whole number of hours from 1 to {MAX_AGE_HOURS}")
                }),
        };
        let value = errors.check("/value", parsed);
        errors.into_result()?;
        let Some(value) = value else {
            return Err(ValidationErrors::single("/value", "is missing"));
        };
        Ok(Criterion {
            field,
            condition,
            value,
        })
    }

    /// The value in the form [`Criterion::parse`] reads back (stored and shown in forms).
    pub fn value_text(&self) -> String {
        match &self.value {
            Value::Text(text) => text.clone(),
            Value::Amount(amount) => format_major(*amount, Currency::Eur, '.'),
            Value::Hours(hours) => hours.to_string(),
        }
    }

    /// Whether an order meets the criterion at `now` (Unix microseconds).
    pub fn matches(&self, order: &OrderFacts<'_>, now: i64) -> bool {
        let text = |actual: &str| match &self.value {
            Value::Text(wanted) => match self.condition {
                Condition::Is => text::fold(actual) == *wanted,
                Condition::IsNot => text::fold(actual) != *wanted,
                Condition::Contains => text::fold(actual).contains(wanted.as_str()),
                _ => false,
            },
            _ => false,
        };
        match (self.field, &self.value) {
            (Field::State, _) => text(order.state),
            (Field::PaymentState, _) => text(order.payment_state),
            (Field::DeliveryState, _) => text(order.delivery_state),
            (Field::Channel, _) => text(order.channel),
            (Field::CustomerKind, _) => text(order.customer_kind),
            // "is not" a tag means no tag is it; the others ask whether some tag is or contains it.
            (Field::Tag, _) if self.condition == Condition::IsNot => {
                order.tags.iter().all(|tag| text(tag))
            }
            (Field::Tag, _) => order.tags.iter().any(|tag| text(tag)),
            // A consumer has no organisation: it "is not" any, and is or contains none.
            (Field::Organisation, _) => match order.organisation {
                Some(name) => text(name),
                None => self.condition == Condition::IsNot,
            },
            (Field::Total, Value::Amount(amount)) => match self.condition {
                Condition::GreaterThan => order.total > *amount,
                Condition::LessThan => order.total < *amount,
                _ => false,
            },
            (Field::Age, Value::Hours(hours)) => now - order.created_at > hours * 3_600_000_000,
            _ => false,
        }
    }
}

/// What rules look at in an order.
#[derive(Debug, Clone, Copy)]
pub struct OrderFacts<'a> {
    pub state: &'a str,
    pub payment_state: &'a str,
    pub delivery_state: &'a str,
    pub channel: &'a str,
    pub tags: &'a [String],
    /// Gross, minor units.
    pub total: i64,
    pub customer_kind: &'a str,
    pub organisation: Option<&'a str>,
    /// Unix microseconds.
    pub created_at: i64,
}

/// A complete rule: a name (the text shown for it), a criterion and how matches look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub criterion: Criterion,
    pub colour: Option<Colour>,
    pub icon: Option<Icon>,
}

impl Rule {
    /// Checks a rule as typed; an empty colour or icon means none, but one of them is needed.
    pub fn parse(
        name: &str,
        field: &str,
        condition: &str,
        value: &str,
        colour: &str,
        icon: &str,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("/name", text::required(name, MAX_NAME));
        let criterion = Criterion::parse(field, condition, value)
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        let colour = errors
            .check(
                "/colour",
                optional_choice(colour, Colour::parse, Colour::expected()),
            )
            .flatten();
        let icon = errors
            .check(
                "/icon",
                optional_choice(icon, Icon::parse, Icon::expected()),
            )
            .flatten();
        if colour.is_none() && icon.is_none() && errors.is_empty() {
            errors.push("/colour", "choose a colour, an icon or both");
        }
        errors.into_result()?;
        let (Some(name), Some(criterion)) = (name, criterion) else {
            return Err(ValidationErrors::single("/name", "is missing"));
        };
        Ok(Rule {
            name,
            criterion,
            colour,
            icon,
        })
    }
}

/// An empty choice is none; anything else must be one of the set.
fn optional_choice<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    expected: String,
) -> Result<Option<T>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse(text)
        .map(Some)
        .ok_or_else(|| format!("'{text}' is not one of {expected}"))
}

/// How an order's row looks under a set of rules: the colour of the first matching rule that
/// has one, and every matching rule (in order) for its icon and text label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlight<'r> {
    pub colour: Option<Colour>,
    pub matched: Vec<&'r Rule>,
}

pub fn highlight<'r>(rules: &'r [Rule], order: &OrderFacts<'_>, now: i64) -> Highlight<'r> {
    let matched: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.criterion.matches(order, now))
        .collect();
    Highlight {
        colour: matched.iter().find_map(|r| r.colour),
        matched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000;

    fn order(tags: &[String]) -> OrderFacts<'_> {
        OrderFacts {
            state: "open",
            payment_state: "unpaid",
            delivery_state: "none",
            channel: "web",
            tags,
            total: 12_345,
            customer_kind: "organisation",
            organisation: Some("Aalto Oy"),
            created_at: 0,
        }
    }

    fn rule(field: &str, condition: &str, value: &str) -> Rule {
        Rule::parse("r", field, condition, value, "blue", "").expect("valid rule")
    }

    #[test]
    fn each_field_matches_by_its_condition() {
        let tags = vec!["VIP".to_owned(), "gift".to_owned()];
        let o = order(&tags);
        let yes = |f, c, v| rule(f, c, v).criterion.matches(&o, 25 * HOUR);
        assert!(yes("state", "is", "open"));
        assert!(!yes("state", "is_not", "open"));
        assert!(yes("payment_state", "is", "unpaid"));
        assert!(yes("delivery_state", "is_not", "delivered"));
        assert!(yes("channel", "is", "web"));
        assert!(yes("customer_kind", "is", "organisation"));
        assert!(yes("tag", "is", "vip"), "tags compare case-insensitively");
        assert!(yes("tag", "contains", "if"));
        assert!(!yes("tag", "is_not", "gift"));
        assert!(yes("tag", "is_not", "rush"));
        assert!(yes("organisation", "contains", "aalto"));
        assert!(yes("total", "greater_than", "123.44"));
        assert!(!yes("total", "greater_than", "123,45"));
        assert!(yes("total", "less_than", "200"));
        assert!(yes("age", "older_than", "24"));
        assert!(!yes("age", "older_than", "25"));
    }

    #[test]
    fn consumers_have_no_organisation() {
        let o = OrderFacts {
            organisation: None,
            customer_kind: "consumer",
            ..order(&[])
        };
        assert!(
            !rule("organisation", "contains", "oy")
                .criterion
                .matches(&o, 0)
        );
        assert!(
            rule("organisation", "is_not", "aalto oy")
                .criterion
                .matches(&o, 0)
        );
        assert!(!rule("tag", "is", "vip").criterion.matches(&o, 0));
        assert!(rule("tag", "is_not", "vip").criterion.matches(&o, 0));
    }

    #[test]
    fn bad_rules_point_at_their_fields() {
        let pointers = |r: Result<Rule, ValidationErrors>| -> Vec<String> {
            r.err()
                .map(|e| e.0.into_iter().map(|f| f.pointer).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            pointers(Rule::parse("x", "weight", "is", "1", "red", "")),
            ["/field"]
        );
        assert_eq!(
            pointers(Rule::parse("x", "total", "contains", "1", "red", "")),
            ["/condition"]
        );
        assert_eq!(
            pointers(Rule::parse("x", "state", "is", "lost", "red", "")),
            ["/value"]
        );
        assert_eq!(
            pointers(Rule::parse("x", "age", "older_than", "0", "red", "")),
            ["/value"]
        );
        assert_eq!(
            pointers(Rule::parse("", "total", "less_than", "5", "pink", "")),
            ["/name", "/colour"]
        );
        assert_eq!(
            pointers(Rule::parse("x", "total", "less_than", "5", "", "")),
            ["/colour"]
        );
        assert_eq!(
            pointers(Rule::parse(
                &"n".repeat(MAX_NAME + 1),
                "tag",
                "is",
                "a",
                "",
                "flag"
            )),
            ["/name"]
        );
    }

    #[test]
    fn values_are_kept_in_a_form_that_reads_back() {
        for (field, condition, value, kept) in [
            ("total", "greater_than", "1 000,5", "1000.50"),
            ("tag", "contains", "  VIP ", "vip"),
            ("age", "older_than", "48", "48"),
            ("state", "is", "paid", "paid"),
        ] {
            let criterion = Criterion::parse(field, condition, value).expect("valid");
            assert_eq!(criterion.value_text(), kept);
            assert_eq!(
                Criterion::parse(field, condition, &criterion.value_text()),
                Ok(criterion)
            );
        }
    }

    #[test]
    fn the_first_coloured_match_colours_the_row_and_every_match_is_named() {
        let rules = vec![
            Rule::parse("Old", "age", "older_than", "1", "", "clock").expect("rule"),
            Rule::parse("Big", "total", "greater_than", "100", "red", "").expect("rule"),
            Rule::parse("Web", "channel", "is", "web", "green", "flag").expect("rule"),
            Rule::parse("POS", "channel", "is", "pos", "blue", "").expect("rule"),
        ];
        let o = order(&[]);
        let seen = highlight(&rules, &o, 2 * HOUR);
        assert_eq!(seen.colour, Some(Colour::Red));
        let names: Vec<&str> = seen.matched.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Old", "Big", "Web"]);
        assert_eq!(highlight(&[], &o, 0), Highlight::default());
    }
}
