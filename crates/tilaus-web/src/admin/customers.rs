//! Customers (CUS-1): the list with search (name, e-mail, phone, business id) and keyset
//! paging, and one customer's page with their details and orders, newest first.

use super::detail::MessageItem;
use super::guard::Staff;
use super::i18n::Lang;
use super::orders::{ListRow, PAGE_SIZE};
use super::render::{self, Layout, Page};
use super::view;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tilaus_app::customer::CustomerRecord;
use tilaus_app::{App, AppError};
use uuid::Uuid;

/// A query parameter of the page's own URL ("" when absent).
pub(crate) fn param(raw: Option<&str>, name: &str) -> String {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

fn some(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// One customer in a list: who, and how to reach them.
pub(crate) struct CustomerItem {
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub email: String,
    pub phone: String,
    pub business_id: String,
}

impl CustomerItem {
    pub fn new(c: &CustomerRecord) -> Self {
        let (name, organisation) = view::customer_names(&c.customer);
        let c = &c.customer;
        CustomerItem {
            id: c.id.to_string(),
            name,
            organisation,
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            business_id: c.business_id.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/customers.html")]
struct CustomersPage {
    t: Lang,
    layout: Layout,
    q: String,
    items: Vec<CustomerItem>,
    more: Option<String>,
    continued: bool,
    can_write: bool,
    error: Option<String>,
    details: Vec<String>,
}

fn customers_href(q: &str, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [("q", q), ("cursor", cursor)] {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    format!("/admin/customers?{}", query.finish())
}

pub(crate) async fn list(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let q = param(raw.as_deref(), "q");
    let cursor = param(raw.as_deref(), "cursor");
    let listed = app
        .list_customers(&staff.principal, some(&q), some(&cursor), Some(PAGE_SIZE))
        .await;
    let (items, more, status, error, details) = match listed {
        Ok(page) => (
            page.items.iter().map(CustomerItem::new).collect(),
            page.next_cursor.map(|c| customers_href(&q, &c)),
            StatusCode::OK,
            None,
            Vec::new(),
        ),
        Err(error @ AppError::Invalid(_)) => {
            let (status, message, details) = render::explain(lang, &error);
            (Vec::new(), None, status, Some(message), details)
        }
        Err(other) => return Err(render::app_error(ctx, other)),
    };
    let page = CustomersPage {
        t: lang,
        layout: Layout::new(ctx, lang.t("customers-title"), "customers"),
        q,
        items,
        more,
        continued: !cursor.is_empty(),
        can_write: staff.principal.role.can_write(),
        error,
        details,
    };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/customer.html")]
struct CustomerPage {
    t: Lang,
    layout: Layout,
    id: String,
    kind: String,
    organisation: Option<String>,
    facts: Vec<(String, String)>,
    billing_address: Vec<String>,
    delivery_address: Vec<String>,
    rows: Vec<ListRow>,
    more: Option<String>,
    continued: bool,
    can_write: bool,
    /// The customer's latest messages over all their orders (CUS-7).
    messages: Vec<MessageItem>,
    /// Whether payment reminders to this customer are stopped (NTF-5).
    reminders_stopped: bool,
}

pub(crate) async fn show(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let fail = |e| render::app_error(ctx, e);
    let id = Uuid::parse_str(&id).map_err(|_| fail(AppError::NotFound("customer")))?;
    let cursor = param(raw.as_deref(), "cursor");
    let customer = app.get_customer(&staff.principal, id).await.map_err(fail)?;
    let orders = app
        .customer_orders(&staff.principal, id, some(&cursor), Some(PAGE_SIZE))
        .await
        .map_err(fail)?;
    let channels = app.list_channels(&staff.principal).await.map_err(fail)?;
    let zone = view::zone(&staff);
    let can_write = staff.principal.role.can_write();
    let messages = app
        .customer_messages(&staff.principal, id)
        .await
        .map_err(fail)?
        .items
        .iter()
        .map(|m| MessageItem::new(lang, &zone, m, can_write))
        .collect();
    let reminders_stopped = app
        .dunning_stops(&staff.principal)
        .await
        .map_err(fail)?
        .iter()
        .any(|s| s.customer_id == Some(id));
    let c = &customer.customer;
    let (name, organisation) = view::customer_names(c);
    let facts = [
        ("customer-email", c.email.clone()),
        ("customer-phone", c.phone.clone()),
        ("customer-business-id", c.business_id.clone()),
        ("customer-vat-id", c.vat_id.clone()),
        (
            "customer-language",
            customer
                .language
                .as_ref()
                .map(|l| lang.try_t(&format!("language-{l}")).unwrap_or(l.clone())),
        ),
        (
            "customer-since",
            Some(lang.datetime(&customer.created_at, &zone)),
        ),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| (lang.t(key), v)))
    .collect();
    let page = CustomerPage {
        t: lang,
        layout: Layout::new(ctx, name, "customers"),
        id: c.id.to_string(),
        kind: lang.t(&format!("customer-kind-{}", c.kind)),
        organisation,
        facts,
        billing_address: view::address_lines(customer.billing_address.as_ref()),
        delivery_address: view::address_lines(customer.delivery_address.as_ref()),
        rows: orders
            .items
            .iter()
            .map(|o| ListRow::new(lang, &zone, &channels, o))
            .collect(),
        more: orders
            .next_cursor
            .map(|n| format!("/admin/customers/{id}?cursor={n}")),
        continued: !cursor.is_empty(),
        can_write,
        messages,
        reminders_stopped,
    };
    Ok(page.into_response())
}
