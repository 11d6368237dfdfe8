//! Exporting the order list as CSV or XLSX (ORD-11): every order-level field as a raw value,
//! streamed page by page so that memory stays bounded whatever the number of orders.

use crate::order::ListQuery;
use crate::{App, AppError, Principal};
use std::io::Write;
use tilaus_integrations::export::{Cell, CsvSheet, Delimiter, SheetWriter, XlsxSheet};
use tilaus_store::order::{self, Cursor, ExportRow};

/// Rows fetched per page while exporting.
const PAGE: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv(Delimiter),
    Xlsx,
}

impl ExportFormat {
    /// Reads `csv`, `xlsx` and an optional CSV delimiter (`;` by default, or `,`).
    pub fn parse(format: &str, delimiter: Option<&str>) -> Result<Self, AppError> {
        match (format, delimiter) {
            ("xlsx", _) => Ok(ExportFormat::Xlsx),
            ("csv", None | Some(";") | Some("semicolon")) => {
                Ok(ExportFormat::Csv(Delimiter::Semicolon))
            }
            ("csv", Some(",") | Some("comma")) => Ok(ExportFormat::Csv(Delimiter::Comma)),
            ("csv", Some(other)) => Err(AppError::invalid(
                "/delimiter",
                format!("'{other}' is not ; or ,"),
            )),
            (other, _) => Err(AppError::invalid(
                "/format",
                format!("'{other}' is not csv or xlsx"),
            )),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv(_) => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv(_) => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

const HEADERS: [&str; 25] = [
    "number",
    "id",
    "created_at",
    "created_date",
    "state",
    "payment_state",
    "delivery_state",
    "channel",
    "origin",
    "external_id",
    "customer_kind",
    "customer_name",
    "customer_email",
    "customer_phone",
    "customer_business_id",
    "customer_vat_id",
    "language",
    "currency",
    "prices_include_vat",
    "net",
    "vat",
    "gross",
    "line_count",
    "tags",
    "updated_at",
];

fn text(value: &Option<String>) -> Cell {
    value
        .as_ref()
        .map_or(Cell::Empty, |v| Cell::Text(v.clone()))
}

fn local(micros: i64, zone: &jiff::tz::TimeZone) -> jiff::civil::DateTime {
    jiff::Timestamp::from_microsecond(micros)
        .unwrap_or_default()
        .to_zoned_datetime(zone.clone())
        .datetime()
}

fn row_cells(o: &ExportRow, zone: &jiff::tz::TimeZone) -> Vec<Cell> {
    let money = |minor| Cell::Money { minor, exponent: 2 };
    let created = local(o.created_at, zone);
    let tags: Vec<String> = serde_json::from_str(&o.tags).unwrap_or_default();
    vec![
        Cell::Integer(o.number),
        Cell::Text(o.order_id.to_string()),
        Cell::DateTime(created),
        Cell::Date(created.date()),
        Cell::Text(o.state.clone()),
        Cell::Text(o.payment_state.clone()),
        Cell::Text(o.delivery_state.clone()),
        Cell::Text(o.channel.clone()),
        text(&o.origin),
        text(&o.external_id),
        Cell::Text(o.customer_kind.clone()),
        Cell::Text(o.customer_name.clone()),
        text(&o.customer_email),
        text(&o.customer_phone),
        text(&o.customer_business_id),
        text(&o.customer_vat_id),
        Cell::Text(o.language.clone()),
        Cell::Text(o.currency.clone()),
        Cell::Bool(o.prices_include_vat),
        money(o.net),
        money(o.vat),
        money(o.gross),
        Cell::Integer(i64::from(o.line_count)),
        Cell::Text(tags.join(", ")),
        Cell::DateTime(local(o.updated_at, zone)),
    ]
}

impl App {
    /// Writes every order matching `query` (its cursor and limit are ignored) to `out`.
    /// Returns the number of orders written. Times are in the shop's time zone.
    pub async fn export_orders<W: Write + Send + 'static>(
        &self,
        principal: &Principal,
        query: &ListQuery,
        format: ExportFormat,
        out: W,
    ) -> Result<u64, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        let query = ListQuery {
            cursor: None,
            limit: None,
            ..query.clone()
        };
        let (filter, _, _) = query.to_filter(&shop.zone)?;
        // Pages are read here while a blocking thread formats and writes the previous ones, so
        // the two cores overlap the database and the formatting; the bounded channel keeps at
        // most a few pages in memory.
        let (pages, mut received) = tokio::sync::mpsc::channel::<Vec<ExportRow>>(2);
        let zone = shop.zone.clone();
        let writer = tokio::task::spawn_blocking(move || -> Result<u64, AppError> {
            let mut sheet: Box<dyn SheetWriter> = match format {
                ExportFormat::Csv(delimiter) => Box::new(CsvSheet::new(out, &HEADERS, delimiter)?),
                ExportFormat::Xlsx => Box::new(XlsxSheet::new(out, "Orders", &HEADERS)?),
            };
            let mut written = 0;
            while let Some(rows) = received.blocking_recv() {
                for row in &rows {
                    sheet.write_row(&row_cells(row, &zone))?;
                }
                written += rows.len() as u64;
            }
            sheet.finish()?;
            Ok(written)
        });
        let mut cursor = None;
        loop {
            let rows = order::export_page(&mut conn, scope, &filter, cursor, PAGE).await?;
            // A short page is the last one; a full one may be followed by an empty one.
            let next = rows
                .last()
                .filter(|_| rows.len() as u64 == PAGE)
                .map(Cursor::from);
            // A closed channel means the writer failed; its error is returned below.
            if pages.send(rows).await.is_err() {
                break;
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        drop(pages);
        writer
            .await
            .map_err(|e| AppError::Io(std::io::Error::other(e.to_string())))?
    }
}
