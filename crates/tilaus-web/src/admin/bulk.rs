//! Bulk invoicing in the admin (NTF-8): the list's filters pick the confirmed orders, a page
//! shows them with every one ticked, and one press invoices the ticked ones, each on its own.
//! The answer lists each order's invoice or the reason it got none.

use super::detail::order_id;
use super::guard::Staff;
use super::i18n::Lang;
use super::orders::Filters;
use super::render::{self, Layout, Page};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use tilaus_app::bulk_invoice::{BulkInvoiceRequest, MAX_ORDERS};
use tilaus_app::order::OrderSummary;
use tilaus_app::{App, AppError};

/// An order on the page: what identifies it to staff, and after the run, its outcome.
struct BulkRow {
    id: String,
    number: String,
    customer: String,
    total: String,
    /// The invoice's number and PDF link, after a run that invoiced the order.
    invoice: Option<(String, String)>,
    /// Why the order got no invoice, after a run.
    refusal: Option<String>,
}

impl BulkRow {
    fn new(lang: Lang, o: &OrderSummary) -> Self {
        BulkRow {
            id: o.id.to_string(),
            number: o.number.to_string(),
            customer: o.customer.name.clone(),
            total: lang.money(o.totals.gross, &o.currency),
            invoice: None,
            refusal: None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/bulk_invoice.html")]
struct BulkPage {
    t: Lang,
    layout: Layout,
    rows: Vec<BulkRow>,
    /// The list the orders came from, to go back to.
    back: String,
    /// Said when more confirmed orders match than one run takes.
    capped: Option<String>,
    /// After a run: how many were invoiced, and how many were not when some were not.
    done: Option<(String, Option<String>)>,
}

fn require_write(staff: &Staff) -> Result<(), axum::response::Response> {
    if staff.principal.role.can_write() {
        Ok(())
    } else {
        Err(render::app_error(
            &staff.ctx,
            AppError::Forbidden("read_only".into()),
        ))
    }
}

/// `GET /admin/orders/invoice?…`: the confirmed orders among the list's filters.
pub(crate) async fn show(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    require_write(&staff)?;
    let lang = staff.ctx.lang;
    let mut filters = Filters::parse(raw.as_deref());
    filters.state = "confirmed".into();
    filters.cursor.clear();
    let page = app
        .list_orders(&staff.principal, &filters.to_query(MAX_ORDERS as u64))
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    let page = BulkPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("bulk-title"), "orders"),
        rows: page.items.iter().map(|o| BulkRow::new(lang, o)).collect(),
        back: format!("/admin/orders?{}", filters.query()),
        capped: page
            .next_cursor
            .is_some()
            .then(|| lang.t_args("bulk-capped", &[("count", page.items.len().to_string())])),
        done: None,
    };
    Ok(page.into_response())
}

/// `POST /admin/orders/invoice`: invoices the ticked orders and shows each one's outcome.
pub(crate) async fn submit(State(app): State<App>, staff: Staff, body: Bytes) -> Page {
    require_write(&staff)?;
    let lang = staff.ctx.lang;
    let fail = |e| render::app_error(&staff.ctx, e);
    let mut order_ids = Vec::new();
    let mut back = String::from("/admin/orders");
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            "order" => order_ids.push(order_id(&staff, &value)?),
            // Only a path of the list itself is taken back to.
            "back" if value.starts_with("/admin/orders?") => back = value.into_owned(),
            _ => {}
        }
    }
    let outcomes = app
        .issue_invoices(&staff.principal, &BulkInvoiceRequest { order_ids })
        .await
        .map_err(fail)?;
    let mut rows = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let mut row = match app.get_order(&staff.principal, outcome.order_id).await {
            Ok(order) => BulkRow::new(lang, &order.summary),
            Err(_) => BulkRow {
                id: outcome.order_id.to_string(),
                number: String::new(),
                customer: String::new(),
                total: String::new(),
                invoice: None,
                refusal: None,
            },
        };
        match outcome.result {
            Ok(invoice) => {
                let pdf = format!("/admin/documents/{}/pdf", invoice.id);
                row.invoice = Some((invoice.number, pdf));
            }
            Err(error) => {
                let (_, message, details) = render::explain(lang, &error);
                row.refusal = Some(
                    std::iter::once(message)
                        .chain(details)
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
        rows.push(row);
    }
    let invoiced = rows.iter().filter(|r| r.invoice.is_some()).count();
    let failed = rows.len() - invoiced;
    let count = |key: &str, n: usize| lang.t_args(key, &[("count", n.to_string())]);
    let page = BulkPage {
        t: lang,
        layout: Layout::new(&staff.ctx, lang.t("bulk-results-title"), "orders"),
        done: Some((
            count("bulk-invoiced", invoiced),
            (failed > 0).then(|| count("bulk-failed", failed)),
        )),
        rows,
        back,
        capped: None,
    };
    Ok(page.into_response())
}
