//! One order (ORD-17): customer, lines, totals with VAT per rate, states, tags, notes and
//! history; forms to move the state on (only to the states the domain allows) and add a note.

use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use super::view::{self, Badge};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tilaus_app::order::{EventView, OrderView, StateChange};
use tilaus_app::{App, AppError};
use tilaus_domain::customer::Address;
use tilaus_domain::order::OrderState;
use uuid::Uuid;

pub(crate) struct LineItem {
    name: String,
    sku: Option<String>,
    quantity: i64,
    unit_price: String,
    vat_rate: String,
    discount: Option<String>,
    total: String,
    reservation: Option<String>,
}

pub(crate) struct VatItem {
    rate: String,
    net: String,
    vat: String,
    gross: String,
}

pub(crate) struct Entry {
    time: String,
    who: String,
    text: String,
}

pub(crate) struct Action {
    state: String,
    label: String,
    danger: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/order.html")]
struct OrderPage {
    t: Lang,
    layout: Layout,
    id: String,
    state: Badge,
    payment: Badge,
    delivery: Badge,
    channel: String,
    external_id: Option<String>,
    created: String,
    updated: String,
    language: String,
    customer: String,
    organisation: Option<String>,
    contact: Vec<String>,
    billing_address: Vec<String>,
    delivery_address: Vec<String>,
    lines: Vec<LineItem>,
    vat_rows: Vec<VatItem>,
    net: String,
    vat: String,
    gross: String,
    prices_note: String,
    tags: Vec<String>,
    notes: Vec<Entry>,
    history: Vec<Entry>,
    can_write: bool,
    actions: Vec<Action>,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    note_draft: String,
}

fn address_lines(address: Option<&Address>) -> Vec<String> {
    let Some(a) = address else {
        return Vec::new();
    };
    let city = [a.postal_code.as_deref(), a.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [
        a.name.clone(),
        a.line1.clone(),
        a.line2.clone(),
        (!city.is_empty()).then_some(city),
        a.country.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|l| !l.trim().is_empty())
    .collect()
}

/// An event in words: what happened, with the states for state changes.
fn event_text(lang: Lang, event: &EventView) -> String {
    let key = format!("event-{}", event.kind.replace(['.', '_'], "-"));
    if event.kind == "order.state_changed" {
        let state = |side: &str| {
            event.data[side]["state"]
                .as_str()
                .map(|s| lang.t(&format!("state-{s}")))
                .unwrap_or_default()
        };
        return lang.t_args(&key, &[("from", state("before")), ("to", state("after"))]);
    }
    lang.try_t(&key).unwrap_or_else(|| event.kind.clone())
}

struct Outcome {
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    note_draft: String,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            status: StatusCode::OK,
            notice: None,
            error: None,
            details: Vec::new(),
            note_draft: String::new(),
        }
    }
}

async fn render_order(app: &App, staff: &Staff, id: Uuid, outcome: Outcome) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let fail = |e| render::app_error(ctx, e);
    let order: OrderView = app.get_order(&staff.principal, id).await.map_err(fail)?;
    let events = app.order_events(&staff.principal, id).await.map_err(fail)?;
    let channels = app.list_channels(&staff.principal).await.map_err(fail)?;
    let zone = view::zone(staff);
    let o = &order.summary;
    let (customer, organisation) = view::customer_names(&o.customer);
    let can_write = staff.principal.role.can_write();
    let actions = match OrderState::parse(&o.state) {
        Some(state) if can_write => state
            .allowed_next()
            .iter()
            .map(|next| Action {
                state: next.as_str().to_owned(),
                label: lang.t(&format!("action-{next}")),
                danger: *next == OrderState::Cancelled,
            })
            .collect(),
        _ => Vec::new(),
    };
    let money = |amount: i64| lang.money(amount, &o.currency);
    let page = OrderPage {
        t: lang,
        layout: Layout::new(
            ctx,
            lang.t_args("order-title", &[("number", o.number.to_string())]),
            "orders",
        ),
        id: o.id.to_string(),
        state: Badge::state(lang, &o.state),
        payment: Badge::payment(lang, &o.payment_state),
        delivery: Badge::delivery(lang, &o.delivery_state),
        channel: view::channel_label(lang, &channels, &o.channel, o.origin.as_deref()),
        external_id: o.external_id.clone(),
        created: lang.datetime(&o.created_at, &zone),
        updated: lang.datetime(&o.updated_at, &zone),
        language: lang
            .try_t(&format!("language-{}", o.language))
            .unwrap_or_else(|| o.language.clone()),
        customer,
        organisation,
        contact: [
            o.customer.email.clone(),
            o.customer.phone.clone(),
            o.customer
                .business_id
                .as_ref()
                .map(|b| format!("{} {b}", lang.t("customer-business-id"))),
            o.customer
                .vat_id
                .as_ref()
                .map(|v| format!("{} {v}", lang.t("customer-vat-id"))),
        ]
        .into_iter()
        .flatten()
        .collect(),
        billing_address: address_lines(o.billing_address.as_ref()),
        delivery_address: address_lines(o.delivery_address.as_ref()),
        lines: order
            .lines
            .iter()
            .map(|l| LineItem {
                name: l.name.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: money(l.unit_price),
                vat_rate: lang.percent(u32::try_from(l.vat_rate).unwrap_or_default()),
                discount: (l.discount != 0).then(|| money(l.discount)),
                total: money(l.total),
                reservation: match (&l.reservation_start, &l.reservation_end) {
                    (Some(start), Some(end)) => Some(format!(
                        "{} – {}",
                        lang.datetime(start, &zone),
                        lang.datetime(end, &zone)
                    )),
                    (Some(start), None) => Some(lang.datetime(start, &zone)),
                    _ => None,
                },
            })
            .collect(),
        vat_rows: o
            .totals
            .vat_breakdown
            .iter()
            .map(|b| VatItem {
                rate: lang.percent(b.rate.basis_points()),
                net: money(b.net),
                vat: money(b.vat),
                gross: money(b.gross),
            })
            .collect(),
        net: money(o.totals.net),
        vat: money(o.totals.vat),
        gross: money(o.totals.gross),
        prices_note: lang.t(if o.prices_include_vat {
            "prices-gross"
        } else {
            "prices-net"
        }),
        tags: o.tags.clone(),
        notes: order
            .notes
            .iter()
            .map(|n| Entry {
                time: lang.datetime(&n.created_at, &zone),
                who: n.author.clone(),
                text: n.body.clone(),
            })
            .collect(),
        history: events
            .iter()
            .rev()
            .map(|e| Entry {
                time: lang.datetime(&e.created_at, &zone),
                who: e.actor.clone(),
                text: event_text(lang, e),
            })
            .collect(),
        can_write,
        actions,
        notice: outcome.notice,
        error: outcome.error,
        details: outcome.details,
        note_draft: outcome.note_draft,
    };
    Ok((outcome.status, page).into_response())
}

/// A path id; anything that is not a UUID is simply not found.
fn order_id(staff: &Staff, text: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(text).map_err(|_| render::app_error(&staff.ctx, AppError::NotFound("order")))
}

pub(crate) async fn show(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    let id = order_id(&staff, &id)?;
    let done = form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "done")
        .and_then(|(_, v)| match v.as_ref() {
            "state" => Some("notice-state-changed"),
            "note" => Some("notice-note-added"),
            _ => None,
        });
    let outcome = Outcome {
        notice: done.map(|key| staff.ctx.lang.t(key)),
        ..Outcome::default()
    };
    render_order(&app, &staff, id, outcome).await
}

/// After a refused action: the order again, with the reason on top and nothing changed.
async fn refused(app: &App, staff: &Staff, id: Uuid, error: AppError, draft: String) -> Page {
    match error {
        AppError::State(_) | AppError::Invalid(_) | AppError::Conflict(_) => {
            let (status, message, details) = render::explain(staff.ctx.lang, &error);
            let outcome = Outcome {
                status,
                error: Some(message),
                details,
                note_draft: draft,
                ..Outcome::default()
            };
            render_order(app, staff, id, outcome).await
        }
        other => Err(render::app_error(&staff.ctx, other)),
    }
}

#[derive(Deserialize)]
pub(crate) struct StateForm {
    #[serde(default)]
    state: String,
}

pub(crate) async fn change_state(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    let change = StateChange { state: form.state };
    match app.change_order_state(&staff.principal, id, &change).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/orders/{id}?done=state")).into_response()),
        Err(error) => refused(&app, &staff, id, error, String::new()).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    body: String,
}

pub(crate) async fn add_note(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Page {
    let id = order_id(&staff, &id)?;
    match app.add_note(&staff.principal, id, &form.body).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/orders/{id}?done=note")).into_response()),
        Err(error) => refused(&app, &staff, id, error, form.body).await,
    }
}
