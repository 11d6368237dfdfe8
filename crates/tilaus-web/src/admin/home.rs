//! The situation centre (ORD-18), first version: open orders, confirmed orders not yet paid and
//! orders waiting for delivery, each with a count, the oldest orders and a link to the list.

use super::guard::Staff;
use super::i18n::Lang;
use super::orders::{Filters, ListRow, ViewLink, view_links};
use super::render::{self, Layout, Page};
use super::view;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::IntoResponse;
use tilaus_app::App;
use tilaus_app::order::COUNT_CAP;

struct Group {
    title: String,
    hint: String,
    count: String,
    href: String,
    rows: Vec<ListRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
struct HomePage {
    t: Lang,
    layout: Layout,
    groups: Vec<Group>,
    can_write: bool,
    /// The user's saved views, one click from the start page.
    views: Vec<ViewLink>,
    /// The shop's latest event when the groups were read: live updates start there.
    live_after: i64,
}

/// Only the groups, for the page's live updates.
#[derive(Template, WebTemplate)]
#[template(path = "admin/_groups.html")]
struct GroupsFragment {
    t: Lang,
    groups: Vec<Group>,
}

pub(crate) async fn show(State(app): State<App>, staff: Staff) -> Page {
    let ctx = &staff.ctx;
    // Read before the groups: an event in between is replayed, never lost.
    let live_after = app
        .live_position(&staff.principal)
        .await
        .map_err(|e| render::app_error(ctx, e))?;
    let groups = groups(&app, &staff).await?;
    let page = HomePage {
        t: ctx.lang,
        layout: Layout::new(ctx, ctx.lang.t("home-title"), "home"),
        groups,
        can_write: staff.principal.role.can_write(),
        views: view_links(&app, &staff, "").await?,
        live_after,
    };
    Ok(page.into_response())
}

/// `GET /admin/groups`: the situation centre's groups alone.
pub(crate) async fn fragment(State(app): State<App>, staff: Staff) -> Page {
    let groups = groups(&app, &staff).await?;
    Ok(GroupsFragment {
        t: staff.ctx.lang,
        groups,
    }
    .into_response())
}

async fn groups(app: &App, staff: &Staff) -> Result<Vec<Group>, axum::response::Response> {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let fail = |e| render::app_error(ctx, e);
    let waiting = app.waiting_orders(&staff.principal).await.map_err(fail)?;
    let channels = app.list_channels(&staff.principal).await.map_err(fail)?;
    let zone = view::zone(staff);
    Ok(waiting
        .iter()
        .map(|g| {
            let filters = Filters {
                state: g.query.state.join(","),
                payment_state: g.query.payment_state.join(","),
                delivery_state: g.query.delivery_state.join(","),
                ..Filters::default()
            };
            Group {
                title: lang.t(&format!("waiting-{}", g.key)),
                hint: lang.t(&format!("waiting-{}-hint", g.key)),
                count: if g.count >= i64::try_from(COUNT_CAP).unwrap_or(i64::MAX) {
                    lang.t_args("count-over", &[("count", (COUNT_CAP - 1).to_string())])
                } else {
                    g.count.to_string()
                },
                href: filters.href("/admin/orders", &[]),
                rows: g
                    .oldest
                    .iter()
                    .map(|o| ListRow::new(lang, &zone, &channels, o))
                    .collect(),
            }
        })
        .collect())
}
