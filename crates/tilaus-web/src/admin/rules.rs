//! The notification rules in the admin (NTF-3, NTF-7): `/admin/settings/rules` lists the shop's
//! rules — what happens, under which conditions, and what the rule does — with a switch, the
//! channels and a delay per rule and the shop's repeat window; below them, how the shop sends
//! (automatic e-mail, reply-to, its SMS sender name, quiet hours, the phone numbers' country).
//! Owners and managers change them; others see them. Conditions are set through the API
//! (`PUT /api/v1/notification-rules`) and shown here.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use super::rule_form::NewRuleForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tilaus_app::message::sms::MessageSettings;
use tilaus_app::rules::RuleSettings;
use tilaus_app::{App, AppError};
use tilaus_domain::message::Channel;
use tilaus_domain::rules::{Action, Conditions, Rule, Trigger};
use tilaus_domain::sms::countries;
use tilaus_domain::validation::ValidationErrors;

pub(super) const PAGE: &str = "/admin/settings/rules";

/// One rule as a row of the page.
pub(crate) struct RuleRow {
    id: String,
    trigger: String,
    does: String,
    conditions: Vec<String>,
    enabled: bool,
    /// The delay field's value and the channels; `None` for a rule that sends nothing.
    send: Option<Sending>,
}

pub(crate) struct Sending {
    delay: String,
    email: bool,
    sms: bool,
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
    sending: MessageSettings,
    countries: Vec<&'static str>,
    /// The new rule form, as typed.
    new_rule: NewRuleForm,
    triggers: Vec<(&'static str, String)>,
}

/// The sending settings as the form posts them (blank text is none; a ticked box is present).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SendingForm {
    automatic_email: Option<String>,
    #[serde(default)]
    reply_to: String,
    #[serde(default)]
    sms_sender: String,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_until: String,
    #[serde(default)]
    phone_country: String,
}

impl SendingForm {
    fn settings(&self) -> MessageSettings {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        MessageSettings {
            automatic_email: self.automatic_email.is_some(),
            reply_to: given(&self.reply_to),
            sms_sender: given(&self.sms_sender),
            quiet_from: given(&self.quiet_from),
            quiet_until: given(&self.quiet_until),
            phone_country: self.phone_country.clone(),
        }
    }
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
    let (does, send) = match &rule.action {
        Action::Send {
            delay_minutes,
            channels,
        } => (
            lang.t_args(
                "rule-send",
                &[(
                    "kind",
                    lang.t(&format!("message-kind-{}", rule.trigger.message())),
                )],
            ),
            Some(Sending {
                delay: delay_minutes.to_string(),
                email: channels.contains(&Channel::Email),
                sms: channels.contains(&Channel::Sms),
            }),
        ),
        Action::Step { step } => (lang.t(&format!("rule-step-{step}")), None),
    };
    RuleRow {
        id: rule.id.to_string(),
        trigger: lang.t(&format!("rule-trigger-{}", rule.trigger)),
        does,
        conditions: conditions(lang, &rule.conditions),
        enabled: rule.enabled,
        send,
    }
}

fn page(
    staff: &Staff,
    settings: &RuleSettings,
    sending: MessageSettings,
    notice: Option<String>,
    refusal: Option<&AppError>,
) -> RulesPage {
    let new_rule = NewRuleForm {
        action: "send".into(),
        email: Some("on".into()),
        ..NewRuleForm::default()
    };
    page_with(staff, settings, sending, new_rule, notice, refusal)
}

fn page_with(
    staff: &Staff,
    settings: &RuleSettings,
    sending: MessageSettings,
    new_rule: NewRuleForm,
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
        sending,
        countries: countries().collect(),
        new_rule,
        triggers: Trigger::ALL
            .iter()
            .map(|t| (t.as_str(), lang.t(&format!("rule-trigger-{t}"))))
            .collect(),
    }
}

/// The rules page again after a refused new rule, with the rule as typed and the reason.
pub(super) async fn refused_page(
    app: &App,
    staff: &Staff,
    typed: NewRuleForm,
    error: AppError,
) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let settings = app.rule_settings(&staff.principal).await.map_err(fail)?;
    let sending = app.message_settings(&staff.principal).await.map_err(fail)?;
    let shown = page_with(staff, &settings, sending, typed, None, Some(&error));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let settings = app.rule_settings(&staff.principal).await.map_err(fail)?;
    let sending = app.message_settings(&staff.principal).await.map_err(fail)?;
    let lang = staff.ctx.lang;
    let notice = match raw.as_deref() {
        Some("done=saved") => Some(lang.t("rules-saved")),
        Some("done=sending") => Some(lang.t("sending-saved")),
        _ => None,
    };
    Ok(page(&staff, &settings, sending, notice, None).into_response())
}

/// Saves how the shop sends (automatic e-mail, reply-to, SMS sender, quiet hours, the phone
/// numbers' country); a refusal shows the page again with what was typed.
pub(crate) async fn save_sending(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<SendingForm>,
) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let typed = form.settings();
    match app.put_message_settings(&staff.principal, &typed).await {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?done=sending")).into_response()),
        Err(error @ AppError::Invalid(_)) => {
            let rules = app.rule_settings(&staff.principal).await.map_err(fail)?;
            let shown = page(&staff, &rules, typed, None, Some(&error));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
        Err(error) => Err(fail(error)),
    }
}

/// The rules with the form's switches, channels, delays and window applied: `enabled`, `email`
/// and `sms` name each rule switched on or sending that way, `delay_<id>` its delay, `window`
/// the repeat window (all in minutes).
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
        let ticked = |name: &str| form.iter().any(|(k, v)| k == name && *v == id);
        rule.enabled = ticked("enabled");
        if let Action::Send {
            delay_minutes,
            channels,
        } = &mut rule.action
        {
            if let Some(delay) = value(&format!("delay_{id}")) {
                let pointer = format!("/rules/{i}/action/delay_minutes");
                *delay_minutes = errors
                    .check(pointer, minutes(delay))
                    .unwrap_or(*delay_minutes);
            }
            *channels = [(Channel::Email, "email"), (Channel::Sms, "sms")]
                .into_iter()
                .filter(|(_, name)| ticked(name))
                .map(|(channel, _)| channel)
                .collect();
        }
    }
    errors.into_result()?;
    Ok(settings)
}

pub(crate) async fn save(State(app): State<App>, staff: Staff, body: Bytes) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let current = app.rule_settings(&staff.principal).await.map_err(fail)?;
    let sending = app.message_settings(&staff.principal).await.map_err(fail)?;
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
            page(&staff, &shown, sending, None, Some(&error)),
        )
            .into_response()),
        Err((_, error)) => Err(fail(error)),
    }
}
