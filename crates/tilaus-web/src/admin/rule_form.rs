//! Adding and removing notification rules in the admin (NTF-3): the rules page's "new rule"
//! form (what happens, under which conditions, what the rule does) and a remove button per
//! rule. Both change the shop's list through the same use case as the API.

use super::guard::Staff;
use super::render::{self, Page};
use super::rules::{PAGE, refused_page};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::{App, AppError};
use tilaus_domain::customer::CustomerKind;
use tilaus_domain::message::Channel;
use tilaus_domain::money::{Currency, parse_major};
use tilaus_domain::order::ProductKind;
use tilaus_domain::rules::{Action, AutomaticStep, Conditions, Rule, Trigger};
use tilaus_domain::validation::ValidationErrors;
use uuid::Uuid;

/// A new rule as the form posts it; blank fields are no condition.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct NewRuleForm {
    #[serde(default)]
    pub trigger: String,
    /// `send`, or an automatic step: `start_processing`, `complete` or `capture_payments`.
    #[serde(default)]
    pub action: String,
    pub email: Option<String>,
    pub sms: Option<String>,
    #[serde(default)]
    pub delay: String,
    /// Source channels, separated by commas.
    #[serde(default)]
    pub channels: String,
    #[serde(default)]
    pub customer_kind: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub product_kind: String,
    #[serde(default)]
    pub min_total: String,
    #[serde(default)]
    pub max_total: String,
}

fn one_of<T>(
    errors: &mut ValidationErrors,
    pointer: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    expected: String,
) -> Option<T> {
    match text.trim() {
        "" => None,
        text => errors.check(
            pointer,
            parse(text).ok_or_else(|| format!("give one of {expected}")),
        ),
    }
}

impl NewRuleForm {
    /// The rule the form describes, or what cannot be read, by field.
    fn rule(&self) -> Result<Rule, AppError> {
        let mut errors = ValidationErrors::default();
        let trigger = errors.check(
            "/trigger",
            Trigger::parse(&self.trigger).ok_or_else(|| "choose when the rule acts".to_owned()),
        );
        let action = match self.action.as_str() {
            "send" => {
                let delay = match self.delay.trim() {
                    "" => Some(0),
                    delay => errors.check(
                        "/delay",
                        delay.parse().map_err(|_| "give whole minutes".to_owned()),
                    ),
                };
                let channels = [(Channel::Email, &self.email), (Channel::Sms, &self.sms)]
                    .into_iter()
                    .filter(|(_, ticked)| ticked.is_some())
                    .map(|(channel, _)| channel)
                    .collect();
                delay.map(|delay_minutes| Action::Send {
                    delay_minutes,
                    channels,
                })
            }
            step => errors.check(
                "/action",
                AutomaticStep::parse(step)
                    .map(|step| Action::Step { step })
                    .ok_or_else(|| "choose what the rule does".to_owned()),
            ),
        };
        let money = |errors: &mut ValidationErrors, pointer: &str, text: &str| match text.trim() {
            "" => None,
            text => errors.check(pointer, parse_major(text, Currency::Eur)),
        };
        let conditions = Conditions {
            channels: self
                .channels
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            customer_kind: one_of(
                &mut errors,
                "/customer_kind",
                &self.customer_kind,
                CustomerKind::parse,
                CustomerKind::expected(),
            ),
            tag: Some(self.tag.trim().to_owned()).filter(|t| !t.is_empty()),
            product_kind: one_of(
                &mut errors,
                "/product_kind",
                &self.product_kind,
                ProductKind::parse,
                ProductKind::expected(),
            ),
            min_total: money(&mut errors, "/min_total", &self.min_total),
            max_total: money(&mut errors, "/max_total", &self.max_total),
        };
        errors.into_result()?;
        match (trigger, action) {
            (Some(trigger), Some(action)) => Ok(Rule {
                id: Uuid::now_v7(),
                trigger,
                conditions,
                action,
                enabled: true,
            }),
            _ => Err(AppError::invalid("/", "the rule is not complete")),
        }
    }
}

/// Adds a rule at the end of the shop's list (owner or manager); a refused one comes back as
/// typed, with the reason.
pub(crate) async fn add(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<NewRuleForm>,
) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let mut settings = app.rule_settings(&staff.principal).await.map_err(fail)?;
    let added = match form.rule() {
        Ok(rule) => {
            settings.rules.push(rule);
            app.put_rule_settings(&staff.principal, &settings).await
        }
        Err(error) => Err(error),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response()),
        Err(error @ AppError::Invalid(_)) => refused_page(&app, &staff, form, error).await,
        Err(error) => Err(fail(error)),
    }
}

/// Removes a rule from the shop's list (owner or manager).
pub(crate) async fn remove(State(app): State<App>, staff: Staff, Path(id): Path<String>) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let mut settings = app.rule_settings(&staff.principal).await.map_err(fail)?;
    let before = settings.rules.len();
    settings.rules.retain(|r| r.id.to_string() != id);
    if settings.rules.len() == before {
        return Err(fail(AppError::NotFound("rule")));
    }
    app.put_rule_settings(&staff.principal, &settings)
        .await
        .map_err(fail)?;
    Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response())
}
