//! The notification rules in the admin (NTF-3, NTF-7): `/admin/settings/rules` lists the shop's
//! rules — what happens, under which conditions, and what the rule does — with a switch and a
//! delay per rule and the shop's repeat window. Owners and managers change them; others see
//! them. Conditions are set through the API (`PUT /api/v1/notification-rules`) and shown here.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tilaus_app::rules::RuleSettings;
use tilaus_app::{App, AppError};
use tilaus_domain::rules::{Action, Conditions, Rule};
use tilaus_domain::validation::ValidationErrors;

const PAGE: &str = "/admin/settings/rules";

/// One rule as a row of the page.
pub(crate) struct RuleRow {
    id: String,
    trigger: String,
    does: String,
    conditions: Vec<String>,
    enabled: bool,
    /// The delay field's value; `None` for a rule that sends nothing.
    delay: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/rules.html")]
struct RulesPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    can_change: bool,
    rules: Vec<RuleRow>,
    window: String,
}

fn conditions(lang: Lang, c: &Conditions) -> Vec<String> {
    let said = |key: &str, value: String| lang.t_args(key, &[("name", value)]);
    let money = |minor: i64| lang.money(minor, "EUR");
    let mut out = Vec::new();
    if !c.channels.is_empty() {
        out.push(said("rule-if-channel", c.channels.join(", ")));
    }
    if let Some(kind) = c.customer_kind {
        out.push(said(
            "rule-if-customer",
            lang.t(&format!("customer-kind-{kind}")),
        ));
    }
    if let Some(tag) = &c.tag {
        out.push(said("rule-if-tag", tag.clone()));
    }
    if let Some(kind) = c.product_kind {
        out.push(said("rule-if-product", lang.t(&format!("kind-{kind}"))));
    }
    if let Some(min) = c.min_total {
        out.push(said("rule-if-min", money(min)));
    }
    if let Some(max) = c.max_total {
        out.push(said("rule-if-max", money(max)));
    }
    out
}

fn row(lang: Lang, rule: &Rule) -> RuleRow {
    let (does, delay) = match &rule.action {
        Action::Send { delay_minutes } => (
            lang.t_args(
                "rule-send",
                &[(
                    "kind",
                    lang.t(&format!("message-kind-{}", rule.trigger.message())),
                )],
            ),
            Some(delay_minutes.to_string()),
        ),
        Action::Step { step } => (lang.t(&format!("rule-step-{step}")), None),
    };
    RuleRow {
        id: rule.id.to_string(),
        trigger: lang.t(&format!("rule-trigger-{}", rule.trigger)),
        does,
        conditions: conditions(lang, &rule.conditions),
        enabled: rule.enabled,
        delay,
    }
}

fn page(
    staff: &Staff,
    settings: &RuleSettings,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> RulesPage {
    let lang = staff.ctx.lang;
    let (error, details) = render::refusal(lang, refusal);
    RulesPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("rules-title"), "settings"),
        notice,
        error,
        details,
        can_change: staff.principal.admin_scope().is_ok(),
        rules: settings.rules.iter().map(|r| row(lang, r)).collect(),
        window: settings.repeat_window_minutes.to_string(),
    }
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let settings = app
        .rule_settings(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let saved = raw.as_deref() == Some("done=saved");
    let notice = saved.then(|| staff.ctx.lang.t("rules-saved"));
    Ok(page(&staff, &settings, notice, None).into_response())
}

/// The rules with the form's switches, delays and window applied: `enabled` names each rule
/// switched on, `delay_<id>` its delay, `window` the repeat window (all in minutes).
fn apply(mut settings: RuleSettings, form: &[(String, String)]) -> Result<RuleSettings, AppError> {
    let value = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    };
    let minutes = |text: &str| {
        text.parse::<i64>()
            .map_err(|_| "give whole minutes".to_owned())
    };
    let mut errors = ValidationErrors::default();
    if let Some(window) = value("window") {
        settings.repeat_window_minutes = errors
            .check("/repeat_window_minutes", minutes(window))
            .unwrap_or(settings.repeat_window_minutes);
    }
    for (i, rule) in settings.rules.iter_mut().enumerate() {
        let id = rule.id.to_string();
        rule.enabled = form.iter().any(|(k, v)| k == "enabled" && *v == id);
        if let (Action::Send { delay_minutes }, Some(delay)) =
            (&mut rule.action, value(&format!("delay_{id}")))
        {
            let pointer = format!("/rules/{i}/action/delay_minutes");
            *delay_minutes = errors
                .check(pointer, minutes(delay))
                .unwrap_or(*delay_minutes);
        }
    }
    errors.into_result()?;
    Ok(settings)
}

pub(crate) async fn save(State(app): State<App>, staff: Staff, body: Bytes) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let current = app.rule_settings(&staff.principal).await.map_err(fail)?;
    let saved = match apply(current.clone(), &form) {
        Ok(wanted) => app
            .put_rule_settings(&staff.principal, &wanted)
            .await
            .map_err(|e| (wanted, e)),
        Err(error) => Err((current, error)),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=saved")).into_response()),
        Err((shown, error @ AppError::Invalid(_))) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&staff, &shown, None, Some(&error)),
        )
            .into_response()),
        Err((_, error)) => Err(fail(error)),
    }
}
