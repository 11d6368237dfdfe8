//! Live updates of the order list and the situation centre (ORD-9, ORD-18).
//!
//! `GET /admin/orders/live` streams the shop's order events as server-sent events, each with
//! `id:` set to the event id, so that the browser's automatic reconnect (`Last-Event-ID`) misses
//! nothing. The page's script then asks for what changed: one row of the list for the current
//! filters (`GET /admin/orders/{id}/row`, 204 when the order is not listed), or the situation
//! centre's groups (`GET /admin/groups`).

use super::guard::Staff;
use super::marks;
use super::orders::{Filters, ListRow, PAGE_SIZE};
use super::render::{self, Page};
use super::view;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::StreamExt as _;
use std::convert::Infallible;
use std::time::Duration;
use tilaus_app::live::LiveFeed;
use tilaus_app::{App, AppError};

/// A comment line this often keeps proxies from closing a quiet stream.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(15);
/// How soon the browser reconnects after the stream ends.
const RECONNECT: Duration = Duration::from_secs(1);
/// A stream ends after this long and the browser reconnects, so that a session that ended
/// (logout, password reset, role change) stops receiving within this time.
const STREAM_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// Where a stream starts: the `Last-Event-ID` of a reconnect, else `?after=`, else now.
fn start_position(headers: &HeaderMap, query: Option<&str>) -> Result<Option<i64>, AppError> {
    let invalid = || AppError::invalid("/after", "must be an event id (0 or more)");
    if let Some(value) = headers.get("last-event-id") {
        let text = value.to_str().map_err(|_| invalid())?.trim();
        return text.parse().map(Some).map_err(|_| invalid());
    }
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "after")
        .map(|(_, value)| value.trim().parse().map_err(|_| invalid()))
        .transpose()
}

/// The shop's order events as `text/event-stream`. Each message is
/// `id: <event id>` and `data: {"id":…,"kind":"order.created","order_id":"…","at":"…"}`; a
/// listener more than [`tilaus_app::live::MAX_REPLAY`] events behind gets one `event: reset`
/// first and then the events from now on.
pub(crate) async fn stream(
    State(app): State<App>,
    staff: Staff,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Page {
    let fail = |e| render::app_error(&staff.ctx, e);
    let after = start_position(&headers, raw.as_deref()).map_err(fail)?;
    let feed = app
        .live_events(&staff.principal, after)
        .await
        .map_err(fail)?;
    let deadline = tokio::time::Instant::now() + STREAM_LIFETIME;
    // An `id:` without data sets the browser's Last-Event-ID without dispatching anything, so a
    // reconnect resumes from here even when no event came in between.
    // A listener too far behind is told to reload instead (`event: reset`).
    let start = feed.position().to_string();
    let reset = feed.was_reset();
    let hello = futures_util::stream::once(async move {
        let hello = Event::default().retry(RECONNECT).id(start);
        Ok::<_, Infallible>(if reset {
            hello.event("reset").data("{}")
        } else {
            hello
        })
    });
    let events = futures_util::stream::unfold(feed, move |feed| next_message(feed, deadline));
    let mut response = Sse::new(hello.chain(events))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT))
        .into_response();
    // Buffering proxies (nginx) would hold the events back.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

async fn next_message(
    mut feed: LiveFeed,
    deadline: tokio::time::Instant,
) -> Option<(Result<Event, Infallible>, LiveFeed)> {
    match tokio::time::timeout_at(deadline, feed.next()).await {
        Ok(Ok(Some(event))) => match Event::default().id(event.id.to_string()).json_data(&event) {
            Ok(message) => Some((Ok(message), feed)),
            Err(error) => {
                tracing::error!(%error, "a live event could not be written");
                None
            }
        },
        Ok(Ok(None)) => None,
        Ok(Err(error)) => {
            // The browser reconnects with Last-Event-ID and resumes where this stream stopped.
            tracing::warn!(%error, position = feed.position(), "a live stream ended early");
            None
        }
        Err(_) => None,
    }
}

/// One row of the list, rendered by the list's own partial.
#[derive(Template, WebTemplate)]
#[template(path = "admin/_rows.html")]
struct RowFragment {
    rows: Vec<ListRow>,
}

/// The order's list row for the current filters, highlighted by the user's rules, or 204
/// when the list would not show it (filtered out, deleted, or not an order of this shop).
pub(crate) async fn row(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    let ctx = &staff.ctx;
    let Ok(order_id) = uuid::Uuid::parse_str(&id) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let filters = Filters {
        cursor: String::new(),
        ..Filters::parse(raw.as_deref())
    };
    let order = match app
        .order_if_listed(&staff.principal, order_id, &filters.to_query(PAGE_SIZE))
        .await
    {
        Ok(Some(order)) => order,
        Ok(None) | Err(AppError::NotFound(_)) => return Ok(StatusCode::NO_CONTENT.into_response()),
        Err(error) => return Err(render::app_error(ctx, error)),
    };
    let channels = app
        .list_channels(&staff.principal)
        .await
        .map_err(|e| render::app_error(ctx, e))?;
    let rules = marks::rules(&app, &staff).await?;
    let zone = view::zone(&staff);
    let fragment = RowFragment {
        rows: vec![ListRow::new(ctx.lang, &zone, &channels, &order).highlighted(&rules, &order)],
    };
    Ok(fragment.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnects_resume_from_last_event_id() {
        let mut headers = HeaderMap::new();
        assert_eq!(start_position(&headers, None).ok(), Some(None));
        assert_eq!(
            start_position(&headers, Some("after=12")).ok(),
            Some(Some(12))
        );
        headers.insert("last-event-id", HeaderValue::from_static("40"));
        assert_eq!(
            start_position(&headers, Some("after=12")).ok(),
            Some(Some(40))
        );
        headers.insert("last-event-id", HeaderValue::from_static("x"));
        assert!(start_position(&headers, None).is_err());
        assert!(start_position(&HeaderMap::new(), Some("after=-")).is_err());
    }
}
