//! The order list (ORD-9): filters in the URL, keyset paging, exports of the current filter,
//! the user's saved views as quick links, and rows highlighted by the user's rules (CUS-11).

use super::guard::Staff;
use super::i18n::Lang;
use super::marks;
use super::render::{self, Layout, Page};
use super::view::{self, Badge, Choice};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tilaus_app::export::ExportFormat;
use tilaus_app::order::{CREATED_WINDOWS, ListQuery, OrderSummary};
use tilaus_app::{App, AppError};
use tilaus_domain::highlight::{self, Rule};
use tilaus_domain::order::{DeliveryState, OrderState, PaymentState};

/// The list's filters exactly as they stand in the URL (and in the form).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub q: String,
    pub state: String,
    pub payment_state: String,
    pub delivery_state: String,
    pub channel: String,
    pub tag: String,
    pub created_from: String,
    pub created_to: String,
    /// A window relative to today: `today`, `7d`, `30d`, `90d`.
    pub created: String,
    pub cursor: String,
}

impl Filters {
    pub fn parse(query: Option<&str>) -> Self {
        let mut filters = Filters::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let value = value.trim().to_owned();
            match name.as_ref() {
                "q" => filters.q = value,
                "state" => filters.state = value,
                "payment_state" => filters.payment_state = value,
                "delivery_state" => filters.delivery_state = value,
                "channel" => filters.channel = value,
                "tag" => filters.tag = value,
                "created_from" => filters.created_from = value,
                "created_to" => filters.created_to = value,
                "created" => filters.created = value,
                "cursor" => filters.cursor = value,
                _ => {}
            }
        }
        filters
    }

    fn pairs(&self) -> [(&'static str, &str); 9] {
        [
            ("q", &self.q),
            ("state", &self.state),
            ("payment_state", &self.payment_state),
            ("delivery_state", &self.delivery_state),
            ("channel", &self.channel),
            ("tag", &self.tag),
            ("created_from", &self.created_from),
            ("created_to", &self.created_to),
            ("created", &self.created),
        ]
    }

    pub fn is_filtered(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// The app's list query; empty fields mean "any".
    pub fn to_query(&self, limit: u64) -> ListQuery {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let list = |v: &str| some(v).into_iter().collect();
        ListQuery {
            q: some(&self.q),
            state: list(&self.state),
            payment_state: list(&self.payment_state),
            delivery_state: list(&self.delivery_state),
            channel: list(&self.channel),
            tag: some(&self.tag),
            created_from: some(&self.created_from),
            created_to: some(&self.created_to),
            created: some(&self.created),
            limit: Some(limit),
            cursor: some(&self.cursor),
        }
    }

    /// The filters alone as a query string (no cursor), e.g. `state=open&q=aino`.
    pub fn query(&self) -> String {
        let href = self.href("", &[]);
        href.strip_prefix('?').unwrap_or(&href).to_owned()
    }

    /// The filters as a query string with extra parameters (a cursor, an export format).
    pub fn href(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs().iter().chain(extra) {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        let query = query.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }
}

pub(crate) const PAGE_SIZE: u64 = 50;

/// The list with a saved filter (a canonical query string, possibly empty).
pub(crate) fn list_href(query: &str) -> String {
    if query.is_empty() {
        "/admin/orders".to_owned()
    } else {
        format!("/admin/orders?{query}")
    }
}

/// One row of the list, formatted for the user's locale.
pub(crate) struct ListRow {
    pub id: String,
    /// Unix microseconds, for placing a row that arrives live.
    pub created: i64,
    pub number: i64,
    pub time: String,
    pub customer: String,
    pub organisation: Option<String>,
    pub channel: String,
    pub state: Badge,
    pub payment: Badge,
    pub delivery: Badge,
    pub total: String,
    pub tags: Vec<String>,
    /// The highlight colour's CSS class, empty for none.
    pub highlight: String,
    /// The matching highlight rules, each shown by name (and icon or colour dot).
    pub marks: Vec<marks::Mark>,
}

impl ListRow {
    pub fn new(
        lang: Lang,
        zone: &jiff::tz::TimeZone,
        channels: &[tilaus_app::shop::ChannelInfo],
        o: &OrderSummary,
    ) -> Self {
        let (customer, organisation) = view::customer_names(&o.customer);
        ListRow {
            id: o.id.to_string(),
            created: o
                .created_at
                .parse::<jiff::Timestamp>()
                .map_or(0, |t| t.as_microsecond()),
            number: o.number,
            time: lang.datetime(&o.created_at, zone),
            customer,
            organisation,
            channel: view::channel_label(lang, channels, &o.channel, o.origin.as_deref()),
            state: Badge::state(lang, &o.state),
            payment: Badge::payment(lang, &o.payment_state),
            delivery: Badge::delivery(lang, &o.delivery_state),
            total: lang.money(o.totals.gross, &o.currency),
            tags: o.tags.clone(),
            highlight: String::new(),
            marks: Vec::new(),
        }
    }

    /// Applies the user's highlight rules (loaded once per request) to the row.
    pub fn highlighted(mut self, rules: &[Rule], o: &OrderSummary) -> Self {
        let now = jiff::Timestamp::now().as_microsecond();
        let seen = highlight::highlight(rules, &o.facts(), now);
        self.highlight = seen
            .colour
            .map(|c| format!("hl hl-{c}"))
            .unwrap_or_default();
        self.marks = seen.matched.into_iter().map(marks::Mark::new).collect();
        self
    }
}

/// A saved view as a quick link.
pub(crate) struct ViewLink {
    pub name: String,
    pub href: String,
    /// The list shows exactly this view's filters.
    pub current: bool,
}

/// The user's saved views as quick links; `current` marks the one whose filters are shown.
pub(crate) async fn view_links(
    app: &App,
    staff: &Staff,
    current: &str,
) -> Result<Vec<ViewLink>, Response> {
    let views = app
        .saved_views(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    Ok(views
        .into_iter()
        .map(|v| ViewLink {
            href: list_href(&v.query),
            current: v.query == current,
            name: v.name,
        })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/orders.html")]
struct OrdersPage {
    t: Lang,
    layout: Layout,
    can_write: bool,
    /// Bulk invoicing of the confirmed orders among these filters.
    bulk_invoice: String,
    filters: Filters,
    rows: Vec<ListRow>,
    more: Option<String>,
    export_csv: String,
    export_xlsx: String,
    states: Vec<Choice>,
    payment_states: Vec<Choice>,
    delivery_states: Vec<Choice>,
    channels: Vec<Choice>,
    created_windows: Vec<Choice>,
    views: Vec<ViewLink>,
    /// The name typed into "save this view" when saving it failed.
    save_name: String,
    legend: Vec<Badge>,
    error: Option<String>,
    details: Vec<String>,
    /// Whether this page continues an earlier one (a cursor is set).
    continued: bool,
    /// The shop's latest event when the page was read: its live updates start there.
    live_after: i64,
    /// The filters as a query string, for the live row requests.
    row_query: String,
}

pub(crate) async fn list(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    render_list(&app, &staff, raw.as_deref(), None).await
}

/// The list page; `failed_save` is a view that could not be saved (its name and why), shown
/// on the page with the filters it was saved from.
async fn render_list(
    app: &App,
    staff: &Staff,
    raw: Option<&str>,
    failed_save: Option<(String, AppError)>,
) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let filters = Filters::parse(raw);
    let zone = view::zone(staff);
    // Read before the list: an event in between is replayed by the live updates, never lost.
    let live_after = app
        .live_position(&staff.principal)
        .await
        .map_err(|e| render::app_error(ctx, e))?;
    let channels = app
        .list_channels(&staff.principal)
        .await
        .map_err(|e| render::app_error(ctx, e))?;
    let rules = marks::rules(app, staff).await?;
    let views = view_links(app, staff, &filters.query()).await?;
    let (rows, more, error, details, status) = match app
        .list_orders(&staff.principal, &filters.to_query(PAGE_SIZE))
        .await
    {
        Ok(page) => (
            page.items
                .iter()
                .map(|o| ListRow::new(lang, &zone, &channels, o).highlighted(&rules, o))
                .collect(),
            page.next_cursor
                .map(|c| filters.href("/admin/orders", &[("cursor", &c)])),
            None,
            Vec::new(),
            axum::http::StatusCode::OK,
        ),
        Err(error @ tilaus_app::AppError::Invalid(_)) => {
            let (status, message, details) = render::explain(lang, &error);
            (Vec::new(), None, Some(message), details, status)
        }
        Err(other) => return Err(render::app_error(ctx, other)),
    };
    let (error, details, status, save_name) = match failed_save {
        Some((name, failure)) => {
            let (status, message, details) = render::explain(lang, &failure);
            (Some(message), details, status, name)
        }
        None => (error, details, status, String::new()),
    };
    let page = OrdersPage {
        can_write: staff.principal.role.can_write(),
        bulk_invoice: format!("/admin/orders/invoice?{}", filters.query()),
        t: lang,
        layout: Layout::new(ctx, lang.t("orders-title"), "orders"),
        rows,
        more,
        export_csv: filters.href("/admin/orders/export", &[("format", "csv")]),
        export_xlsx: filters.href("/admin/orders/export", &[("format", "xlsx")]),
        states: view::choices(
            lang,
            "state",
            OrderState::ALL.iter().map(|s| s.as_str()),
            &filters.state,
        ),
        payment_states: view::choices(
            lang,
            "payment",
            PaymentState::ALL.iter().map(|s| s.as_str()),
            &filters.payment_state,
        ),
        delivery_states: view::choices(
            lang,
            "delivery",
            DeliveryState::ALL.iter().map(|s| s.as_str()),
            &filters.delivery_state,
        ),
        channels: channels
            .iter()
            .map(|c| Choice {
                value: c.code.clone(),
                label: view::channel_label(lang, &channels, &c.code, None),
                selected: c.code == filters.channel,
            })
            .collect(),
        created_windows: CREATED_WINDOWS
            .iter()
            .map(|(window, _)| Choice {
                value: (*window).to_owned(),
                label: lang.t(&format!("filter-created-{window}")),
                selected: *window == filters.created,
            })
            .collect(),
        views,
        save_name,
        legend: OrderState::ALL
            .iter()
            .map(|s| Badge::state(lang, s.as_str()))
            .collect(),
        error,
        details,
        continued: !filters.cursor.is_empty(),
        live_after,
        row_query: filters.query(),
        filters,
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub(crate) struct SaveViewForm {
    #[serde(default)]
    name: String,
    /// The list's filters as its query string.
    #[serde(default)]
    query: String,
}

/// Saves the list's current filters as a view, in the list's own canonical form; a refusal
/// shows the list again with the reason.
pub(crate) async fn save_view(
    State(app): State<App>,
    staff: Staff,
    Form(form): Form<SaveViewForm>,
) -> Page {
    let filters = Filters {
        cursor: String::new(),
        ..Filters::parse(Some(&form.query))
    };
    let query = filters.query();
    match app
        .save_view(
            &staff.principal,
            &form.name,
            &filters.to_query(PAGE_SIZE),
            &query,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&list_href(&query)).into_response()),
        Err(error @ AppError::Invalid(_)) => {
            render_list(&app, &staff, Some(&query), Some((form.name, error))).await
        }
        Err(error) => Err(render::app_error(&staff.ctx, error)),
    }
}

/// The current filter as a file, through the same export as the API.
pub(crate) async fn export(State(app): State<App>, staff: Staff, RawQuery(raw): RawQuery) -> Page {
    let filters = Filters {
        cursor: String::new(),
        ..Filters::parse(raw.as_deref())
    };
    let format = form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "format")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| "csv".into());
    let fail = |e| render::app_error(&staff.ctx, e);
    let format = ExportFormat::parse(&format, None).map_err(fail)?;
    let mut query = filters.to_query(PAGE_SIZE);
    query.limit = None;
    crate::download::export(&app, &staff.principal, &query, format)
        .await
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let filters = Filters::parse(Some(
            "q=aino+v&created=today&state=open&tag=&cursor=abc&bogus=1",
        ));
        assert_eq!(filters.q, "aino v");
        assert_eq!(filters.state, "open");
        assert!(filters.is_filtered());
        assert_eq!(
            filters.href("/admin/orders", &[("format", "csv")]),
            "/admin/orders?q=aino+v&state=open&created=today&format=csv"
        );
        assert_eq!(filters.query(), "q=aino+v&state=open&created=today");
        let query = filters.to_query(50);
        assert_eq!(query.state, vec!["open".to_owned()]);
        assert_eq!(query.tag, None);
        assert_eq!(query.created.as_deref(), Some("today"));
        assert_eq!(query.cursor.as_deref(), Some("abc"));
        assert!(!Filters::parse(None).is_filtered());
    }
}
