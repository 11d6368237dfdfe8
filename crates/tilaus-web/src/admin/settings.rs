//! The order list's settings page (`/admin/settings/list`): rename and delete saved views,
//! and make and delete highlight rules (CUS-11). Views are saved from the list itself.

use super::guard::Staff;
use super::i18n::Lang;
use super::marks::{self, Mark};
use super::orders::list_href;
use super::render::{self, Layout, Page};
use super::view::Choice;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tilaus_app::highlight::RuleInput;
use tilaus_app::{App, AppError};
use tilaus_domain::customer::CustomerKind;
use tilaus_domain::highlight::{Colour, Condition, Field, Icon, Rule};
use tilaus_domain::order::{DeliveryState, OrderState, PaymentState};
use uuid::Uuid;

const PAGE: &str = "/admin/settings/list";

pub(crate) struct ViewItem {
    id: Uuid,
    name: String,
    href: String,
}

pub(crate) struct RuleItem {
    id: Uuid,
    mark: Mark,
    /// The rule in words: "Total greater than 100.00".
    description: String,
    shared: bool,
    deletable: bool,
}

/// A value a rule can compare with, offered as a suggestion (the code and its label).
pub(crate) struct Suggestion {
    value: String,
    label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    t: Lang,
    layout: Layout,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    views: Vec<ViewItem>,
    rules: Vec<RuleItem>,
    fields: Vec<Choice>,
    conditions: Vec<Choice>,
    colours: Vec<Choice>,
    icons: Vec<Choice>,
    suggestions: Vec<Suggestion>,
    /// What was typed into the rule form when it was refused.
    form: RuleForm,
    /// Whether the user's role may share rules with the shop.
    may_share: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    icon: String,
    /// A checkbox: present when ticked.
    shared: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NameForm {
    #[serde(default)]
    name: String,
}

/// A refusal to show on the page: the typed rule (kept for correcting) and why.
struct Refusal {
    form: RuleForm,
    error: AppError,
}

/// A value of a rule in words: states, channels and kinds by their labels.
fn value_label(lang: Lang, field: Field, value: &str) -> String {
    let kind = match field {
        Field::State => "state",
        Field::PaymentState => "payment",
        Field::DeliveryState => "delivery",
        Field::Channel => "channel",
        Field::CustomerKind => "customer-kind",
        Field::Age => return lang.t_args("highlight-hours", &[("hours", value.to_owned())]),
        Field::Tag | Field::Organisation | Field::Total => return value.to_owned(),
    };
    lang.try_t(&format!("{kind}-{value}"))
        .unwrap_or_else(|| value.to_owned())
}

fn describe(lang: Lang, rule: &Rule) -> String {
    let c = &rule.criterion;
    format!(
        "{} {} {}",
        lang.t(&format!("highlight-field-{}", c.field)),
        lang.t(&format!("highlight-condition-{}", c.condition)),
        value_label(lang, c.field, &c.value_text())
    )
}

fn choices<T: Copy + std::fmt::Display>(
    lang: Lang,
    kind: &str,
    all: &[T],
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: lang.t(&format!("{kind}-{v}")),
            selected: v.to_string() == selected,
        })
        .collect()
}

fn suggestions(lang: Lang, channels: &[tilaus_app::shop::ChannelInfo]) -> Vec<Suggestion> {
    let of = |kind: &str, values: Vec<&str>| -> Vec<Suggestion> {
        values
            .into_iter()
            .map(|v| Suggestion {
                value: v.to_owned(),
                label: lang.t(&format!("{kind}-{v}")),
            })
            .collect()
    };
    let mut all = of(
        "state",
        OrderState::ALL.iter().map(|s| s.as_str()).collect(),
    );
    all.extend(of(
        "payment",
        PaymentState::ALL.iter().map(|s| s.as_str()).collect(),
    ));
    all.extend(of(
        "delivery",
        DeliveryState::ALL.iter().map(|s| s.as_str()).collect(),
    ));
    all.extend(of(
        "customer-kind",
        CustomerKind::ALL.iter().map(|s| s.as_str()).collect(),
    ));
    all.extend(channels.iter().map(|c| Suggestion {
        value: c.code.clone(),
        label: super::view::channel_label(lang, channels, &c.code, None),
    }));
    // A value can name a payment and an order state alike ("paid"): offer it once.
    let mut seen = std::collections::HashSet::new();
    all.retain(|s| seen.insert(s.value.clone()));
    all
}

async fn render_page(
    app: &App,
    staff: &Staff,
    notice: Option<String>,
    refusal: Option<Refusal>,
) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let fail = |e| render::app_error(ctx, e);
    let views = app
        .saved_views(&staff.principal)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|v| ViewItem {
            id: v.id,
            href: list_href(&v.query),
            name: v.name,
        })
        .collect();
    let rules = app
        .highlight_rules(&staff.principal)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|r| RuleItem {
            id: r.id,
            mark: Mark::new(&r.rule),
            description: describe(lang, &r.rule),
            shared: r.shared,
            deletable: r.deletable,
        })
        .collect();
    let channels = app.list_channels(&staff.principal).await.map_err(fail)?;
    let (status, error, details, form) = match refusal {
        Some(Refusal { form, error }) => {
            let (status, message, details) = render::explain(lang, &error);
            (status, Some(message), details, form)
        }
        None => (StatusCode::OK, None, Vec::new(), RuleForm::default()),
    };
    let page = SettingsPage {
        t: lang,
        layout: Layout::new(ctx, lang.t("settings-title"), "settings"),
        notice,
        error,
        details,
        views,
        rules,
        fields: choices(lang, "highlight-field", Field::ALL, &form.field),
        conditions: choices(lang, "highlight-condition", Condition::ALL, &form.condition),
        colours: choices(lang, "highlight-colour", Colour::ALL, &form.colour),
        icons: Icon::ALL
            .iter()
            .map(|i| Choice {
                value: i.to_string(),
                label: format!(
                    "{} {}",
                    marks::glyph(*i),
                    lang.t(&format!("highlight-icon-{i}"))
                ),
                selected: i.as_str() == form.icon,
            })
            .collect(),
        suggestions: suggestions(lang, &channels),
        may_share: staff.principal.role.can_write(),
        form,
    };
    Ok((status, page).into_response())
}

pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let done = form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "done")
        .map(|(_, v)| v.into_owned());
    let notice = done.and_then(|d| staff.ctx.lang.try_t(&format!("settings-done-{d}")));
    render_page(&app, &staff, notice, None).await
}

fn id(staff: &Staff, text: &str, what: &'static str) -> Result<Uuid, Response> {
    Uuid::parse_str(text).map_err(|_| render::app_error(&staff.ctx, AppError::NotFound(what)))
}

fn done(what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("{PAGE}?done={what}#{anchor}")).into_response()
}

/// Shows refused input on the page; anything else (not found, forbidden) gets the error page.
async fn refused(app: &App, staff: &Staff, form: RuleForm, error: AppError) -> Page {
    match error {
        AppError::Invalid(_) | AppError::Forbidden(_) => {
            render_page(app, staff, None, Some(Refusal { form, error })).await
        }
        other => Err(render::app_error(&staff.ctx, other)),
    }
}

pub(crate) async fn rename_view(
    State(app): State<App>,
    staff: Staff,
    Path(view_id): Path<String>,
    Form(form): Form<NameForm>,
) -> Page {
    let view_id = id(&staff, &view_id, "saved view")?;
    match app.rename_view(&staff.principal, view_id, &form.name).await {
        Ok(()) => Ok(done("view-renamed", "views")),
        Err(error) => refused(&app, &staff, RuleForm::default(), error).await,
    }
}

pub(crate) async fn delete_view(
    State(app): State<App>,
    staff: Staff,
    Path(view_id): Path<String>,
) -> Page {
    let view_id = id(&staff, &view_id, "saved view")?;
    match app.delete_view(&staff.principal, view_id).await {
        Ok(()) => Ok(done("view-deleted", "views")),
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

pub(crate) async fn create_rule(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<RuleForm>,
) -> Page {
    let input = RuleInput {
        name: form.name.clone(),
        field: form.field.clone(),
        condition: form.condition.clone(),
        value: form.value.clone(),
        colour: form.colour.clone(),
        icon: form.icon.clone(),
        shared: form.shared.is_some(),
    };
    match app.create_highlight_rule(&staff.principal, &input).await {
        Ok(_) => Ok(done("rule-created", "highlights")),
        Err(error) => refused(&app, &staff, form, error).await,
    }
}

pub(crate) async fn delete_rule(
    State(app): State<App>,
    staff: Staff,
    Path(rule_id): Path<String>,
) -> Page {
    let rule_id = id(&staff, &rule_id, "highlight rule")?;
    match app.delete_highlight_rule(&staff.principal, rule_id).await {
        Ok(()) => Ok(done("rule-deleted", "highlights")),
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/settings_hub.html")]
struct HubPage {
    t: Lang,
    layout: Layout,
}

/// The settings pages in one place (`/admin/settings`), as the main menu's Settings opens.
pub(crate) async fn hub(staff: Staff) -> Page {
    let lang = staff.ctx.lang;
    let page = HubPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("nav-settings"), "settings"),
    };
    Ok(page.into_response())
}
