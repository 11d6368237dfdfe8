//! Finding orders: filters, keyset cursors and pages.

use super::view::OrderSummary;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use tilaus_domain::order::{DeliveryState, OrderState, PaymentState, parse_channel_code};
use tilaus_domain::text;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::order::{Cursor, OrderFilter};
use tilaus_store::{Queries, ShopScope, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// The list's filters as they arrive in a query string. Repeatable parameters are lists.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    #[serde(default)]
    pub state: Vec<String>,
    #[serde(default)]
    pub payment_state: Vec<String>,
    #[serde(default)]
    pub delivery_state: Vec<String>,
    #[serde(default)]
    pub channel: Vec<String>,
    pub tag: Option<String>,
    /// A date (`2026-11-01`, the start of that day in the shop's zone) or an RFC 3339 instant.
    pub created_from: Option<String>,
    /// Exclusive: a date means up to the end of that day.
    pub created_to: Option<String>,
    /// A window relative to today in the shop's zone, so that a saved view means the same days
    /// every day: `today`, `7d`, `30d` or `90d` (today and the days before it).
    pub created: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn encode_cursor(cursor: Cursor) -> String {
    crate::keyset::encode(cursor.created_at, cursor.order_id)
}

pub(crate) fn decode_cursor(text: &str) -> Result<Cursor, String> {
    let (created_at, order_id) = crate::keyset::decode(text)?;
    Ok(Cursor {
        created_at,
        order_id,
    })
}

/// Reads a bound: a calendar date in the shop's zone (`end_of_day` moves it to the next
/// midnight) or an RFC 3339 instant.
fn parse_bound(text: &str, zone: &jiff::tz::TimeZone, end_of_day: bool) -> Result<i64, String> {
    if let Ok(instant) = text.parse::<jiff::Timestamp>() {
        return Ok(instant.as_microsecond());
    }
    let date: jiff::civil::Date = text
        .parse()
        .map_err(|_| format!("'{text}' is neither a date (2026-11-01) nor an RFC 3339 instant"))?;
    let date = if end_of_day {
        date.tomorrow().map_err(|e| e.to_string())?
    } else {
        date
    };
    zone.to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .map(|t| t.as_microsecond())
        .map_err(|e| e.to_string())
}

/// The windows `created` may name, in calendar days with today included.
pub const CREATED_WINDOWS: [(&str, i64); 4] = [("today", 1), ("7d", 7), ("30d", 30), ("90d", 90)];

/// The start of a relative window: the midnight, in the shop's zone, that opens its first day.
fn window_start(
    text: &str,
    zone: &jiff::tz::TimeZone,
    now: jiff::Timestamp,
) -> Result<i64, String> {
    let days = CREATED_WINDOWS
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, days)| *days)
        .ok_or_else(|| {
            let names: Vec<&str> = CREATED_WINDOWS.iter().map(|(name, _)| *name).collect();
            format!("'{text}' is not one of {}", names.join(", "))
        })?;
    let today = now.to_zoned_datetime(zone.clone()).date();
    let first = today
        .checked_sub(jiff::Span::new().days(days - 1))
        .map_err(|e| e.to_string())?;
    zone.to_timestamp(first.to_datetime(jiff::civil::Time::midnight()))
        .map(|t| t.as_microsecond())
        .map_err(|e| e.to_string())
}

fn parse_all<T>(
    values: &[String],
    pointer: &str,
    parse: fn(&str) -> Option<T>,
    expected: String,
    errors: &mut ValidationErrors,
) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .filter(|v| {
            let ok = parse(v).is_some();
            if !ok {
                errors.push(pointer, format!("'{v}' is not one of {expected}"));
            }
            ok
        })
        .map(str::to_owned)
        .collect()
}

impl ListQuery {
    /// Validates the query into a store filter, a cursor and a page size.
    pub(crate) fn to_filter(
        &self,
        zone: &jiff::tz::TimeZone,
    ) -> Result<(OrderFilter, Option<Cursor>, u64), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let filter = OrderFilter {
            text: errors
                .check("/q", text::optional(self.q.as_deref(), 200))
                .flatten()
                .map(|q| text::fold(&q)),
            states: parse_all(
                &self.state,
                "/state",
                OrderState::parse,
                OrderState::expected(),
                &mut errors,
            ),
            payment_states: parse_all(
                &self.payment_state,
                "/payment_state",
                PaymentState::parse,
                PaymentState::expected(),
                &mut errors,
            ),
            delivery_states: parse_all(
                &self.delivery_state,
                "/delivery_state",
                DeliveryState::parse,
                DeliveryState::expected(),
                &mut errors,
            ),
            channels: self
                .channel
                .iter()
                .flat_map(|c| c.split(','))
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .filter_map(|c| errors.check("/channel", parse_channel_code(c)))
                .collect(),
            tag: errors
                .check("/tag", text::optional(self.tag.as_deref(), 100))
                .flatten()
                .map(|t| text::fold(&t)),
            // A relative window and a fixed start both apply: the later start wins.
            created_from: self
                .created_from
                .as_deref()
                .and_then(|t| errors.check("/created_from", parse_bound(t, zone, false)))
                .into_iter()
                .chain(
                    self.created
                        .as_deref()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .and_then(|t| {
                            errors.check("/created", window_start(t, zone, jiff::Timestamp::now()))
                        }),
                )
                .max(),
            created_to: self
                .created_to
                .as_deref()
                .and_then(|t| errors.check("/created_to", parse_bound(t, zone, true))),
            customer_id: None,
        };
        let cursor = cursor_param(self.cursor.as_deref(), &mut errors);
        let limit = errors.check("/limit", crate::check_page_limit(self.limit));
        errors.into_result()?;
        Ok((filter, cursor, limit.unwrap_or_default()))
    }
}

/// Reads an optional cursor into `errors` under `/cursor`.
pub(crate) fn cursor_param(text: Option<&str>, errors: &mut ValidationErrors) -> Option<Cursor> {
    text.and_then(|c| errors.check("/cursor", decode_cursor(c)))
}

impl App {
    /// One page of the shop's orders, newest first.
    pub async fn list_orders(
        &self,
        principal: &Principal,
        query: &ListQuery,
    ) -> Result<OrderPage, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        let (filter, cursor, limit) = query.to_filter(&shop.zone)?;
        let (rows, next) = page(&mut conn, scope, &filter, cursor, limit).await?;
        Ok(order_page(&rows, next))
    }
}

impl App {
    /// The order if the list with these filters would show it (cursor and page size aside):
    /// what a live list asks when one of its shop's orders changed. `None` when it does not
    /// match or does not exist.
    pub async fn order_if_listed(
        &self,
        principal: &Principal,
        order_id: Uuid,
        query: &ListQuery,
    ) -> Result<Option<OrderSummary>, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        let (filter, _, _) = query.to_filter(&shop.zone)?;
        let row = order::find_matching(&mut conn, scope, &filter, order_id).await?;
        Ok(row.as_ref().map(OrderSummary::from))
    }
}

/// Fetches one page plus one row to learn whether another page follows.
pub(crate) async fn page(
    q: &mut impl Queries,
    scope: ShopScope,
    filter: &OrderFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<(Vec<order::OrderRow>, Option<Cursor>), AppError> {
    let rows = order::list(q, scope, filter, cursor, limit + 1).await?;
    let (rows, more) = crate::split_page(rows, limit);
    let next = rows.last().filter(|_| more).map(Cursor::from);
    Ok((rows, next))
}

/// A page of orders as the API shows it.
pub(crate) fn order_page(rows: &[order::OrderRow], next: Option<Cursor>) -> OrderPage {
    OrderPage {
        items: rows.iter().map(OrderSummary::from).collect(),
        next_cursor: next.map(encode_cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            created_at: 1_700_000_000_000_000,
            order_id: Uuid::now_v7(),
        };
        assert_eq!(decode_cursor(&encode_cursor(cursor)), Ok(cursor));
        assert!(decode_cursor("not-a-cursor").is_err());
    }

    #[test]
    fn relative_windows_start_at_a_local_midnight() {
        let helsinki = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
        // 00:30 on 2 November in Helsinki is still 1 November in UTC.
        let now: jiff::Timestamp = "2026-11-01T22:30:00Z".parse().expect("instant");
        let start = |w| {
            jiff::Timestamp::from_microsecond(window_start(w, &helsinki, now).expect("window"))
                .expect("ts")
                .to_string()
        };
        assert_eq!(start("today"), "2026-11-01T22:00:00Z");
        assert_eq!(start("7d"), "2026-10-26T22:00:00Z");
        assert_eq!(start("30d"), "2026-10-03T21:00:00Z", "summer time then");
        assert!(window_start("yesterday", &helsinki, now).is_err());
    }

    #[test]
    fn date_bounds_use_the_shop_zone() {
        let helsinki = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
        let from = parse_bound("2026-11-01", &helsinki, false).expect("date");
        let to = parse_bound("2026-11-01", &helsinki, true).expect("date");
        assert_eq!(to - from, 24 * 3600 * 1_000_000);
        assert_eq!(
            jiff::Timestamp::from_microsecond(from)
                .expect("ts")
                .to_string(),
            "2026-10-31T22:00:00Z"
        );
    }
}
