//! A manual order (ORD-4, CUS-1) for phone and counter sales: find or type the customer, add
//! lines from products or free lines, see the totals, choose the channel, save as open or
//! confirmed. The same form edits an open order (ORD-17): lines, customer, addresses,
//! language and tags, saved as one change against the version it was made from.
//!
//! The whole form works without JavaScript: every button submits the form, which comes back
//! with everything typed so far kept (the lines travel as repeated fields). The order is taken
//! in by the API's own ingest, so validation, numbering, events and live updates are the same;
//! the totals come from the app's pricing of the same request, never from script.

use super::customers::{CustomerItem, param};
use super::detail::{AddressFields, order_id};
use super::guard::Staff;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use super::view::{self, Choice};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;
use tilaus_app::customer::CustomerRecord;
use tilaus_app::order::{
    CustomerInput, CustomerView, IdempotencyKey, LineInput, LineView as OrderLine, NewOrderRequest,
    OrderChanges, OrderView, PricedOrder,
};
use tilaus_app::{App, AppError};
use tilaus_domain::format;
use tilaus_domain::language::Language;
use tilaus_domain::money::{Currency, VatRate, format_major, parse_major};
use tilaus_domain::order::{ChannelKind, OrderState, ProductKind};
use tilaus_domain::validation::ValidationErrors;
use uuid::Uuid;

/// How many search results the form shows.
const RESULTS: u64 = 10;

/// The customer part of the form, as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomerFields {
    /// An existing customer chosen from the search (their id), or empty for a new one.
    pub id: String,
    pub kind: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub business_id: String,
    pub vat_id: String,
    pub contact_person: String,
}

impl CustomerFields {
    fn from_view(c: &CustomerView) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        CustomerFields {
            id: c.id.to_string(),
            kind: c.kind.clone(),
            name: c.name.clone(),
            email: text(&c.email),
            phone: text(&c.phone),
            business_id: text(&c.business_id),
            vat_id: text(&c.vat_id),
            contact_person: text(&c.contact_person),
        }
    }
}

/// One line as typed. Product lines carry the sku and show the product's name; an empty price
/// or VAT rate means the product's own (converted to the order's price basis by ingest).
#[derive(Debug, Clone, Default)]
pub(crate) struct LineFields {
    pub sku: String,
    /// What the line shows for a product: its name and sku.
    pub label: String,
    pub name: String,
    pub kind: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat_rate: String,
    /// Off the line's total, in major units; empty is none.
    pub discount: String,
    /// A booked service's times (RFC 3339), kept as they are so that an edit keeps them.
    pub reservation_start: String,
    pub reservation_end: String,
}

impl LineFields {
    /// An order's line as the form shows it for editing, in the order's price basis.
    fn of(line: &OrderLine, lang: Lang, currency: Currency) -> Self {
        let decimal = if lang.language() == Language::En {
            '.'
        } else {
            ','
        };
        let amount = |minor: i64| format_major(minor, currency, decimal);
        let sku = line.sku.clone().unwrap_or_default();
        LineFields {
            label: if sku.is_empty() {
                String::new()
            } else {
                format!("{} · {sku}", line.name)
            },
            sku,
            name: line.name.clone(),
            kind: line.kind.clone(),
            quantity: line.quantity.to_string(),
            unit_price: amount(line.unit_price),
            vat_rate: format::percent_number(
                lang.language(),
                u32::try_from(line.vat_rate).unwrap_or_default(),
            ),
            discount: if line.discount == 0 {
                String::new()
            } else {
                amount(line.discount)
            },
            reservation_start: line.reservation_start.clone().unwrap_or_default(),
            reservation_end: line.reservation_end.clone().unwrap_or_default(),
        }
    }
}

/// The whole form as it travels between the browser and the server.
#[derive(Debug, Clone, Default)]
struct ManualForm {
    customer: CustomerFields,
    customer_q: String,
    product_q: String,
    channel: String,
    /// "gross" (default) or "net": whether the typed prices include VAT.
    prices: String,
    note: String,
    /// Empty for the customer's or the shop's language.
    language: String,
    /// Comma-separated.
    tags: String,
    billing: AddressFields,
    delivery: AddressFields,
    /// Makes a double-clicked save one order (the ingest's Idempotency-Key).
    form_key: String,
    /// When editing: the order (from the URL, never the body), its number for the title, the
    /// version the form was made from, and its currency.
    order_id: Option<Uuid>,
    number: String,
    version: String,
    currency: String,
    lines: Vec<LineFields>,
    /// The button pressed.
    action: String,
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl ManualForm {
    fn parse(body: &[u8]) -> Self {
        let mut form = ManualForm::default();
        for (name, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            // Each line's fields come in template order, starting with its sku.
            if name == "line_sku" {
                form.lines.push(LineFields {
                    sku: value,
                    ..LineFields::default()
                });
                continue;
            }
            if let (Some(field), Some(line)) = (name.strip_prefix("line_"), form.lines.last_mut()) {
                match field {
                    "label" => line.label = value,
                    "name" => line.name = value,
                    "kind" => line.kind = value,
                    "quantity" => line.quantity = value,
                    "unit_price" => line.unit_price = value,
                    "vat_rate" => line.vat_rate = value,
                    "discount" => line.discount = value,
                    "reservation_start" => line.reservation_start = value,
                    "reservation_end" => line.reservation_end = value,
                    _ => {}
                }
                continue;
            }
            if let Some(field) = name.strip_prefix("billing_") {
                form.billing.set(field, value);
                continue;
            }
            if let Some(field) = name.strip_prefix("delivery_") {
                form.delivery.set(field, value);
                continue;
            }
            let c = &mut form.customer;
            match name.as_ref() {
                "customer_id" => c.id = value,
                "kind" => c.kind = value,
                "name" => c.name = value,
                "email" => c.email = value,
                "phone" => c.phone = value,
                "business_id" => c.business_id = value,
                "vat_id" => c.vat_id = value,
                "contact_person" => c.contact_person = value,
                "customer_q" => form.customer_q = value,
                "product_q" => form.product_q = value,
                "channel" => form.channel = value,
                "prices" => form.prices = value,
                "note" => form.note = value,
                "language" => form.language = value,
                "tags" => form.tags = value,
                "form_key" => form.form_key = value,
                "version" => form.version = value,
                "number" => form.number = value,
                "currency" => form.currency = value,
                "action" => form.action = value,
                _ => {}
            }
        }
        form
    }

    /// The API's request for this form, and what could not be read from the typed text.
    fn to_request(&self, state: &str) -> (NewOrderRequest, ValidationErrors) {
        let mut errors = ValidationErrors::default();
        let c = &self.customer;
        let id = optional(&c.id).and_then(|id| {
            errors.check(
                "/customer/id",
                Uuid::parse_str(&id).map_err(|e| e.to_string()),
            )
        });
        let lines = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let at = |field: &str| format!("/lines/{i}/{field}");
                let quantity = errors
                    .check(
                        at("quantity"),
                        l.quantity
                            .trim()
                            .parse::<i64>()
                            .map_err(|_| format!("'{}' is not a whole number", l.quantity.trim())),
                    )
                    .unwrap_or(0);
                // Every supported currency has two decimals (Currency::exponent), so the
                // shop's currency need not be known to read an amount.
                let unit_price = optional(&l.unit_price)
                    .and_then(|p| errors.check(at("unit_price"), parse_major(&p, Currency::Eur)));
                let vat_rate = optional(&l.vat_rate).and_then(|r| {
                    errors.check(
                        at("vat_rate"),
                        VatRate::parse_percent(&r).map(|r| i64::from(r.basis_points())),
                    )
                });
                let discount = optional(&l.discount)
                    .and_then(|d| errors.check(at("discount"), parse_major(&d, Currency::Eur)))
                    .unwrap_or(0);
                LineInput {
                    sku: optional(&l.sku),
                    name: optional(&l.name),
                    kind: optional(&l.kind),
                    quantity,
                    unit_price,
                    vat_rate,
                    discount,
                    reservation_start: optional(&l.reservation_start),
                    reservation_end: optional(&l.reservation_end),
                }
            })
            .collect();
        let request = NewOrderRequest {
            channel: self.channel.clone(),
            external_id: None,
            origin: None,
            language: optional(&self.language),
            currency: optional(&self.currency),
            prices_include_vat: Some(self.prices != "net"),
            state: Some(state.to_owned()),
            customer: CustomerInput {
                id,
                kind: optional(&c.kind),
                name: c.name.clone(),
                email: optional(&c.email),
                phone: optional(&c.phone),
                business_id: optional(&c.business_id),
                vat_id: optional(&c.vat_id),
                contact_person: optional(&c.contact_person),
                billing_address: address(&self.billing),
                delivery_address: address(&self.delivery),
                ..CustomerInput::default()
            },
            lines,
            tags: self.tags.split(',').filter_map(optional).collect(),
            note: optional(&self.note),
            // Counter sales that were paid on the spot are recorded on the order page.
            payments: Vec::new(),
        };
        (request, errors)
    }

    /// The edit of an open order this form makes: everything the form shows, against the
    /// version it was made from.
    fn to_changes(&self) -> (OrderChanges, ValidationErrors) {
        let (request, errors) = self.to_request("open");
        let changes = OrderChanges {
            lines: Some(request.lines),
            // The addresses are the order's own below, not the customer record's.
            customer: Some(CustomerInput {
                billing_address: None,
                delivery_address: None,
                ..request.customer
            }),
            language: request.language,
            tags: Some(request.tags),
            prices_include_vat: request.prices_include_vat,
            billing_address: Some(self.billing.to_address()),
            delivery_address: Some(self.delivery.to_address()),
            expected_version: self.version.trim().parse().ok(),
        };
        (changes, errors)
    }
}

fn address(fields: &AddressFields) -> Option<tilaus_domain::customer::Address> {
    (!fields.is_blank()).then(|| fields.to_address())
}

/// Field errors by JSON pointer; the first message for a field wins, and a line whose typed
/// text could not be read shows only that.
#[derive(Debug, Default)]
struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    fn add(&mut self, errors: &ValidationErrors) {
        let unreadable_lines: Vec<String> = self
            .0
            .keys()
            .filter_map(|p| p.strip_prefix("/lines/"))
            .filter_map(|p| p.split('/').next())
            .map(|i| format!("/lines/{i}/"))
            .collect();
        for e in &errors.0 {
            if unreadable_lines
                .iter()
                .any(|l| e.pointer.starts_with(l.as_str()))
            {
                continue;
            }
            self.0
                .entry(e.pointer.clone())
                .or_insert_with(|| e.detail.clone());
        }
    }

    fn take(&mut self, pointer: &str) -> Option<String> {
        self.0.remove(pointer)
    }
}

/// A line as the page shows it: what was typed, its total, and its errors.
pub(crate) struct LineView {
    pub fields: LineFields,
    pub total: String,
    pub kinds: Vec<Choice>,
    pub errors: Vec<(String, String)>,
    pub quantity_error: Option<String>,
    pub unit_price_error: Option<String>,
    pub vat_rate_error: Option<String>,
    pub name_error: Option<String>,
    pub discount_error: Option<String>,
}

/// The totals box, on the page and as the live fragment.
pub(crate) struct TotalsBox {
    pub vat_rows: Vec<(String, String, String, String)>,
    pub net: String,
    pub vat: String,
    pub gross: String,
    pub basis: String,
    /// Each line's total, for the script to copy into the line rows.
    pub line_totals: Vec<String>,
}

impl TotalsBox {
    fn new(lang: Lang, priced: &PricedOrder) -> Self {
        let currency = priced.currency.as_str();
        let money = |amount: i64| lang.money(amount, currency);
        TotalsBox {
            vat_rows: priced
                .totals
                .vat_breakdown
                .iter()
                .map(|b| {
                    (
                        lang.percent(b.rate.basis_points()),
                        money(b.net),
                        money(b.vat),
                        money(b.gross),
                    )
                })
                .collect(),
            net: money(priced.totals.net),
            vat: money(priced.totals.vat),
            gross: money(priced.totals.gross),
            basis: lang.t(if priced.prices_include_vat {
                "prices-gross"
            } else {
                "prices-net"
            }),
            line_totals: priced
                .line_totals
                .iter()
                .map(|t| t.map(money).unwrap_or_default())
                .collect(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/manual.html")]
struct ManualPage {
    t: Lang,
    layout: Layout,
    form: ManualForm,
    /// Where the form posts: `/admin/orders/new` or the edited order's `/edit`.
    action: String,
    /// The edited order's channel, which an edit does not change.
    channel_label: String,
    languages: Vec<Choice>,
    customer_kinds: Vec<Choice>,
    customer_chosen: bool,
    customer_results: Option<Vec<CustomerItem>>,
    product_results: Option<Vec<ProductItem>>,
    channels: Vec<Choice>,
    lines: Vec<LineView>,
    totals: TotalsBox,
    /// Errors by field of the customer part and the rest.
    customer_errors: BTreeMap<&'static str, String>,
    channel_error: Option<String>,
    language_error: Option<String>,
    tags_error: Option<String>,
    lines_error: Option<String>,
    note_error: Option<String>,
    /// Anything the fields above do not show.
    other_errors: Vec<String>,
    error: Option<String>,
}

impl ManualPage {
    fn customer_error(&self, field: &str) -> Option<&String> {
        self.customer_errors.get(field)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/_totals.html")]
struct TotalsFragment {
    t: Lang,
    totals: TotalsBox,
}

pub(crate) struct ProductItem {
    pub sku: String,
    pub name: String,
    pub price: String,
}

fn product_name(lang: Lang, names: &BTreeMap<String, String>) -> String {
    names
        .get(lang.code())
        .or_else(|| names.values().next())
        .cloned()
        .unwrap_or_default()
}

/// Read-only users may look at customers but not make orders.
fn require_write(staff: &Staff) -> Result<(), Response> {
    if staff.principal.role.can_write() {
        Ok(())
    } else {
        Err(render::app_error(
            &staff.ctx,
            AppError::Forbidden("read_only".into()),
        ))
    }
}

fn new_form_key() -> String {
    Uuid::now_v7().simple().to_string()
}

/// `/admin/orders/new`, empty or (`?customer=`) for a customer from their page.
pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    require_write(&staff)?;
    let mut form = ManualForm {
        form_key: new_form_key(),
        lines: vec![blank_line()],
        ..ManualForm::default()
    };
    let customer = param(raw.as_deref(), "customer");
    if !customer.is_empty() {
        let fail = |e| render::app_error(&staff.ctx, e);
        let id = Uuid::parse_str(&customer).map_err(|_| fail(AppError::NotFound("customer")))?;
        let record = app.get_customer(&staff.principal, id).await.map_err(fail)?;
        form.take_customer(&record);
    }
    render_form(&app, &staff, form, FieldErrors::default(), StatusCode::OK).await
}

/// `/admin/orders/{id}/edit`: the form filled with an open order.
pub(crate) async fn show_edit(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
) -> Page {
    require_write(&staff)?;
    let id = order_id(&staff, &id)?;
    let fail = |e| render::app_error(&staff.ctx, e);
    let order = app.get_order(&staff.principal, id).await.map_err(fail)?;
    ensure_editable(&order).map_err(fail)?;
    let form = ManualForm::of_order(&order, staff.ctx.lang);
    render_form(&app, &staff, form, FieldErrors::default(), StatusCode::OK).await
}

/// Only open orders change content (ORD-3); the domain's reason says so otherwise.
fn ensure_editable(order: &OrderView) -> Result<(), AppError> {
    match OrderState::parse(&order.summary.state) {
        Some(state) => Ok(state.ensure_content_editable()?),
        None => Err(AppError::NotFound("order")),
    }
}

impl ManualForm {
    fn of_order(order: &OrderView, lang: Lang) -> Self {
        let o = &order.summary;
        let currency = Currency::parse(&o.currency).unwrap_or(Currency::Eur);
        ManualForm {
            customer: CustomerFields::from_view(&o.customer),
            channel: o.channel.clone(),
            prices: if o.prices_include_vat { "gross" } else { "net" }.into(),
            language: o.language.clone(),
            tags: o.tags.join(", "),
            billing: AddressFields::of(o.billing_address.as_ref()),
            delivery: AddressFields::of(o.delivery_address.as_ref()),
            form_key: new_form_key(),
            order_id: Some(o.id),
            number: o.number.to_string(),
            version: o.version.to_string(),
            currency: o.currency.clone(),
            lines: order
                .lines
                .iter()
                .map(|l| LineFields::of(l, lang, currency))
                .collect(),
            ..ManualForm::default()
        }
    }

    /// A customer chosen from the search; their addresses fill address fields left blank.
    fn take_customer(&mut self, record: &CustomerRecord) {
        self.customer = CustomerFields::from_view(&record.customer);
        if self.billing.is_blank() {
            self.billing = AddressFields::of(record.billing_address.as_ref());
        }
        if self.delivery.is_blank() {
            self.delivery = AddressFields::of(record.delivery_address.as_ref());
        }
    }
}

fn blank_line() -> LineFields {
    LineFields {
        quantity: "1".into(),
        ..LineFields::default()
    }
}

/// Every button of the new order form.
pub(crate) async fn submit_new(State(app): State<App>, staff: Staff, body: Bytes) -> Page {
    submit(&app, &staff, body, None).await
}

/// Every button of an open order's edit form.
pub(crate) async fn submit_edit(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Page {
    let id = order_id(&staff, &id)?;
    submit(&app, &staff, body, Some(id)).await
}

/// Search, choose, add and remove lines, recalculate, save.
async fn submit(app: &App, staff: &Staff, body: Bytes, order_id: Option<Uuid>) -> Page {
    require_write(staff)?;
    let mut form = ManualForm::parse(&body);
    form.order_id = order_id;
    if form.form_key.is_empty() {
        form.form_key = new_form_key();
    }
    let fail = |e| render::app_error(&staff.ctx, e);
    let action = std::mem::take(&mut form.action);
    let (verb, argument) = action.split_once(':').unwrap_or((action.as_str(), ""));
    match verb {
        "pick_customer" => {
            let id = Uuid::parse_str(argument).map_err(|_| fail(AppError::NotFound("customer")))?;
            let record = app.get_customer(&staff.principal, id).await.map_err(fail)?;
            form.take_customer(&record);
            form.customer_q.clear();
        }
        "clear_customer" => form.customer = CustomerFields::default(),
        "add_product" => {
            let page = app
                .list_products(&staff.principal, Some(argument), None, Some(RESULTS))
                .await
                .map_err(fail)?;
            if let Some(p) = page.items.iter().find(|p| p.sku == argument) {
                form.lines.retain(is_filled);
                form.lines.push(LineFields {
                    sku: p.sku.clone(),
                    label: format!("{} · {}", product_name(staff.ctx.lang, &p.names), p.sku),
                    quantity: "1".into(),
                    ..LineFields::default()
                });
                form.product_q.clear();
            }
        }
        "add_line" => form.lines.push(blank_line()),
        "remove_line" => {
            if let Ok(i) = argument.parse::<usize>()
                && i < form.lines.len()
            {
                form.lines.remove(i);
            }
        }
        "save_changes" if order_id.is_some() => return save_changes(app, staff, form).await,
        "save_open" | "save_confirmed" if order_id.is_none() => {
            let state = if verb == "save_open" {
                "open"
            } else {
                "confirmed"
            };
            return save(app, staff, form, state).await;
        }
        _ => {}
    }
    render_form(app, staff, form, FieldErrors::default(), StatusCode::OK).await
}

/// Whether a line holds anything but the default quantity.
fn is_filled(line: &LineFields) -> bool {
    [&line.sku, &line.name, &line.unit_price, &line.vat_rate]
        .iter()
        .any(|f| !f.trim().is_empty())
}

async fn save(app: &App, staff: &Staff, form: ManualForm, state: &str) -> Page {
    let (request, unreadable) = form.to_request(state);
    if !unreadable.is_empty() {
        return refused(app, staff, form, AppError::Invalid(unreadable)).await;
    }
    // The key's fingerprint is the request itself: a retried identical save replays the order.
    let fingerprint = format!("{request:?}");
    let key = IdempotencyKey::new(
        &format!("admin-new-order-{}", form.form_key),
        fingerprint.as_bytes(),
    )
    .ok();
    match app
        .ingest_order(&staff.principal, &request, key.as_ref())
        .await
    {
        Ok(outcome) => {
            let order: serde_json::Value = serde_json::from_str(&outcome.body).unwrap_or_default();
            let id = order["id"].as_str().unwrap_or_default();
            Ok(Redirect::to(&format!("/admin/orders/{id}?done=created")).into_response())
        }
        Err(error) => refused(app, staff, form, error).await,
    }
}

/// Saves an edit of an open order as one change; a form made from an older version is refused
/// (409) with what was typed kept.
async fn save_changes(app: &App, staff: &Staff, form: ManualForm) -> Page {
    let Some(id) = form.order_id else {
        return Err(render::app_error(&staff.ctx, AppError::NotFound("order")));
    };
    let (changes, unreadable) = form.to_changes();
    if !unreadable.is_empty() {
        return refused(app, staff, form, AppError::Invalid(unreadable)).await;
    }
    match app.update_order(&staff.principal, id, &changes).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/orders/{id}?done=edited")).into_response()),
        Err(error) => refused(app, staff, form, error).await,
    }
}

/// The form again after a refused save: field errors beside their fields, the domain's reason
/// (a stale version, a state that no longer allows edits, an amount out of range) on top.
async fn refused(app: &App, staff: &Staff, form: ManualForm, error: AppError) -> Page {
    let mut errors = FieldErrors::default();
    match error {
        AppError::Invalid(invalid) => {
            errors.add(&invalid);
            render_form(app, staff, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        error @ (AppError::Amount(_) | AppError::Conflict(_) | AppError::State(_)) => {
            let (status, message, _) = render::explain(staff.ctx.lang, &error);
            errors.0.insert(String::new(), message);
            render_form(app, staff, form, errors, status).await
        }
        other => Err(render::app_error(&staff.ctx, other)),
    }
}

/// The live totals: the form's lines priced by the app, as the totals box alone.
pub(crate) async fn totals(State(app): State<App>, staff: Staff, body: Bytes) -> Page {
    require_write(&staff)?;
    let form = ManualForm::parse(&body);
    let (request, _) = form.to_request("open");
    let priced = app
        .price_order(&staff.principal, &request)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let fragment = TotalsFragment {
        t: staff.ctx.lang,
        totals: TotalsBox::new(staff.ctx.lang, &priced),
    };
    Ok(fragment.into_response())
}

async fn render_form(
    app: &App,
    staff: &Staff,
    form: ManualForm,
    mut errors: FieldErrors,
    status: StatusCode,
) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let fail = |e| render::app_error(ctx, e);
    let principal = &staff.principal;
    let mut form = form;
    let channel_list = app.list_channels(principal).await.map_err(fail)?;
    let counter_kinds = [ChannelKind::Phone, ChannelKind::Pos, ChannelKind::Manual];
    let offered: Vec<_> = channel_list
        .iter()
        .filter(|c| ChannelKind::parse(&c.kind).is_some_and(|k| counter_kinds.contains(&k)))
        .collect();
    if form.channel.is_empty() {
        // Most manual orders are phone orders; the counter and "manual" are one click away.
        let phone = offered
            .iter()
            .find(|c| c.kind == ChannelKind::Phone.as_str());
        form.channel = phone
            .or(offered.first())
            .map(|c| c.code.clone())
            .unwrap_or_default();
    }
    let channel_label = view::channel_label(lang, &channel_list, &form.channel, None);
    let channels = offered
        .iter()
        .map(|c| Choice {
            value: c.code.clone(),
            label: view::channel_label(lang, &channel_list, &c.code, None),
            selected: c.code == form.channel,
        })
        .collect();
    // Line errors show only after a save was tried: a half-typed line is normal while typing.
    let (request, _) = form.to_request("open");
    let priced = app.price_order(principal, &request).await.map_err(fail)?;
    let currency = priced.currency.as_str();
    let customer_results = match optional(&form.customer_q) {
        Some(q) => Some(
            app.list_customers(principal, Some(&q), None, Some(RESULTS))
                .await
                .map_err(fail)?
                .items
                .iter()
                .map(CustomerItem::new)
                .collect(),
        ),
        None => None,
    };
    let product_results = match optional(&form.product_q) {
        Some(q) => Some(
            app.list_products(principal, Some(&q), None, Some(RESULTS))
                .await
                .map_err(fail)?
                .items
                .iter()
                .map(|p| ProductItem {
                    sku: p.sku.clone(),
                    name: product_name(lang, &p.names),
                    price: lang.money(p.unit_price, currency),
                })
                .collect(),
        ),
        None => None,
    };
    let totals = TotalsBox::new(lang, &priced);
    let lines = form
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut take = |field: &str| errors.take(&format!("/lines/{i}/{field}"));
            let quantity_error = take("quantity");
            let unit_price_error = take("unit_price");
            let vat_rate_error = take("vat_rate");
            let name_error = take("name");
            let discount_error = take("discount");
            let rest = ["sku", "kind", "reservation_start", "reservation_end"]
                .into_iter()
                .filter_map(|f| take(f).map(|e| (lang.t(&format!("manual-line-{f}")), e)))
                .collect();
            LineView {
                fields: l.clone(),
                total: totals.line_totals.get(i).cloned().unwrap_or_default(),
                kinds: view::choices(
                    lang,
                    "kind",
                    ProductKind::ALL.iter().map(|k| k.as_str()),
                    if l.kind.is_empty() { "goods" } else { &l.kind },
                ),
                errors: rest,
                quantity_error,
                unit_price_error,
                vat_rate_error,
                name_error,
                discount_error,
            }
        })
        .collect();
    let mut customer_errors = BTreeMap::new();
    for field in [
        "id",
        "kind",
        "name",
        "email",
        "phone",
        "business_id",
        "vat_id",
        "contact_person",
    ] {
        if let Some(e) = errors.take(&format!("/customer/{field}")) {
            customer_errors.insert(field, e);
        }
    }
    let channel_error = errors.take("/channel");
    let language_error = errors.take("/language");
    let tags_error = errors.take("/tags");
    let lines_error = errors.take("/lines");
    let note_error = errors.take("/note");
    let any_error = !customer_errors.is_empty()
        || channel_error.is_some()
        || lines_error.is_some()
        || note_error.is_some()
        || language_error.is_some()
        || tags_error.is_some()
        || status != StatusCode::OK;
    let other_errors = errors
        .0
        .into_iter()
        .map(|(pointer, detail)| {
            if pointer.is_empty() {
                detail
            } else {
                format!("{}: {detail}", pointer.trim_start_matches('/'))
            }
        })
        .collect();
    let customer_chosen = !form.customer.id.is_empty();
    let (title, action) = match form.order_id {
        Some(id) => (
            lang.t_args("edit-title", &[("number", form.number.clone())]),
            format!("/admin/orders/{id}/edit"),
        ),
        None => (lang.t("manual-title"), "/admin/orders/new".to_owned()),
    };
    // Empty is "the customer's or the shop's language" for a new order; an order has one.
    let mut languages = view::choices(
        lang,
        "language",
        Language::ALL.iter().map(|l| l.as_str()),
        &form.language,
    );
    if form.order_id.is_none() {
        let default = Choice {
            value: String::new(),
            label: lang.t("manual-language-default"),
            selected: form.language.is_empty(),
        };
        languages.insert(0, default);
    }
    let page = ManualPage {
        t: lang,
        layout: Layout::new(ctx, title, "orders"),
        action,
        channel_label,
        languages,
        language_error,
        tags_error,
        customer_kinds: view::choices(
            lang,
            "customer-kind",
            ["consumer", "organisation"].into_iter(),
            if form.customer.kind.is_empty() {
                "consumer"
            } else {
                &form.customer.kind
            },
        ),
        customer_chosen,
        customer_results,
        product_results,
        channels,
        lines,
        totals,
        customer_errors,
        channel_error,
        lines_error,
        note_error,
        other_errors,
        error: any_error.then(|| lang.t("error-invalid")),
        form,
    };
    Ok((status, page).into_response())
}
