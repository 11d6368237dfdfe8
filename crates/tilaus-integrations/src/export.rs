//! Streaming spreadsheet export (CSV and XLSX).
//!
//! The caller turns each record into a row of [`Cell`]s and feeds it to a
//! [`SheetWriter`]; which format is produced is decided once, when the writer
//! is built ([`CsvSheet::new`] or [`XlsxSheet::new`]). Neither writer keeps
//! written rows in memory: CSV goes straight to the output and XLSX uses
//! `rust_xlsxwriter`'s constant-memory mode, which spools each finished row
//! to a temporary file until [`SheetWriter::finish`] assembles the workbook.
//!
//! ```
//! use tilaus_integrations::export::{Cell, CsvSheet, Delimiter, SheetWriter};
//!
//! let mut out = Vec::new();
//! let mut sheet: Box<dyn SheetWriter + '_> =
//!     Box::new(CsvSheet::new(&mut out, &["Order", "Total"], Delimiter::Semicolon)?);
//! sheet.write_row(&[Cell::Text("ORD-1".into()), Cell::Money { minor: 1234, exponent: 2 }])?;
//! sheet.finish()?;
//! assert_eq!(out, "\u{feff}Order;Total\nORD-1;12,34\n".as_bytes());
//! # Ok::<(), tilaus_integrations::export::ExportError>(())
//! ```

use std::fmt;

use jiff::civil::DateTime;

mod csv_sheet;
mod xlsx_sheet;

pub use csv_sheet::CsvSheet;
pub use xlsx_sheet::XlsxSheet;

/// One spreadsheet cell as a raw value.
///
/// Values stay typed until the writer renders them, so XLSX can store real
/// numbers and dates while CSV formats them for the chosen [`Delimiter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// No value: an empty CSV field or an untouched XLSX cell.
    Empty,
    /// Free text. In CSV it is guarded against formula injection.
    Text(String),
    /// A whole number, e.g. a quantity.
    Integer(i64),
    /// Money in minor units shown as a major-unit number:
    /// `Money { minor: 1234, exponent: 2 }` is 12.34.
    ///
    /// `exponent` may be at most 18 (see [`ExportError::MoneyExponent`]).
    Money {
        /// The amount in minor units (e.g. cents).
        minor: i64,
        /// The number of decimals of the currency (2 for EUR).
        exponent: u32,
    },
    /// A yes/no value.
    Bool(bool),
    /// A calendar date.
    Date(jiff::civil::Date),
    /// A local date and time (already converted to the shop's time zone by
    /// the caller). Sub-second precision is dropped on export.
    DateTime(DateTime),
}

/// CSV field delimiter. It also decides the decimal separator of money
/// amounts, so that the file opens with numbers intact in the matching Excel
/// locale.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delimiter {
    /// `;` with `,` as decimal separator: what Finnish and German Excel
    /// expect, hence the default.
    #[default]
    Semicolon,
    /// `,` with `.` as decimal separator (English-language Excel).
    Comma,
}

impl Delimiter {
    /// The delimiter byte handed to the csv crate.
    fn byte(self) -> u8 {
        match self {
            Self::Semicolon => b';',
            Self::Comma => b',',
        }
    }

    /// The decimal separator that cannot clash with this delimiter.
    fn decimal_separator(self) -> u8 {
        match self {
            Self::Semicolon => b',',
            Self::Comma => b'.',
        }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing to the output failed.
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    /// The CSV writer failed.
    #[error("CSV export failed: {0}")]
    Csv(#[from] csv::Error),
    /// The XLSX writer failed (including invalid sheet names).
    #[error("XLSX export failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// A sheet was created without headers; every export needs columns.
    #[error("a sheet needs at least one column header")]
    NoColumns,
    /// More columns than the format allows.
    #[error("{columns} columns given but the format allows at most {max}")]
    TooManyColumns {
        /// Number of headers given.
        columns: usize,
        /// The format's limit.
        max: usize,
    },
    /// A row does not have one cell per header; accepting it would shift
    /// values under the wrong headers.
    #[error("row has {actual} cells but the sheet has {expected} columns")]
    RowLength {
        /// Number of headers.
        expected: usize,
        /// Number of cells in the rejected row.
        actual: usize,
    },
    /// The XLSX row limit (header included) has been reached; the caller
    /// should split the export or use CSV.
    #[error("XLSX sheets hold at most {max} rows including the header row")]
    TooManyRows {
        /// Excel's row limit.
        max: u32,
    },
    /// A money exponent too large for any currency; rejected because it
    /// would make the rendered decimals absurdly long.
    #[error("money exponent {exponent} is larger than the supported maximum of {max}")]
    MoneyExponent {
        /// The rejected exponent.
        exponent: u32,
        /// The largest supported exponent.
        max: u32,
    },
}

/// Common interface so the caller can stream rows into either format.
pub trait SheetWriter {
    /// Appends one row; it must have exactly one cell per header.
    ///
    /// # Errors
    ///
    /// [`ExportError::RowLength`] or [`ExportError::MoneyExponent`] for an
    /// invalid row, which is then not written at all;
    /// [`ExportError::TooManyRows`] once an XLSX sheet is full; otherwise
    /// failures of the underlying writer.
    fn write_row(&mut self, row: &[Cell]) -> Result<(), ExportError>;

    /// Completes the file (for XLSX: writes the workbook to the writer given
    /// at construction). Dropping a sheet without calling this leaves the
    /// output incomplete.
    ///
    /// # Errors
    ///
    /// Failures of the underlying writer or of assembling the workbook.
    fn finish(self: Box<Self>) -> Result<(), ExportError>;
}

/// Largest supported [`Cell::Money`] exponent: 18 already exceeds every real
/// currency (ISO 4217 goes up to 4) and keeps rendered decimals and Excel
/// number formats short.
const MAX_MONEY_EXPONENT: u32 = 18;

/// Rejects an empty header list, which would produce a file without columns.
fn check_headers(headers: &[&str]) -> Result<(), ExportError> {
    if headers.is_empty() {
        return Err(ExportError::NoColumns);
    }
    Ok(())
}

/// Validates a whole row before any of it is written, so a rejected row
/// never leaves a partial record in the output: the row must have one cell
/// per header and only supported money exponents.
fn check_row(expected: usize, row: &[Cell]) -> Result<(), ExportError> {
    if row.len() != expected {
        return Err(ExportError::RowLength {
            expected,
            actual: row.len(),
        });
    }
    for cell in row {
        if let Cell::Money { exponent, .. } = cell {
            money_scale(*exponent)?;
        }
    }
    Ok(())
}

/// Validates a money exponent and narrows it to a type both writers can use
/// without further conversion checks.
fn money_scale(exponent: u32) -> Result<u8, ExportError> {
    u8::try_from(exponent)
        .ok()
        .filter(|_| exponent <= MAX_MONEY_EXPONENT)
        .ok_or(ExportError::MoneyExponent {
            exponent,
            max: MAX_MONEY_EXPONENT,
        })
}

/// Renders a date-time as `YYYY-MM-DD HH:MM:SS`: ISO 8601 with a space
/// instead of `T` and without fractions, which spreadsheet programs
/// recognise as a date-time when opening a CSV.
struct SpreadsheetDateTime(DateTime);

impl fmt::Display for SpreadsheetDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.0;
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            dt.date(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_scale_accepts_currency_exponents_and_rejects_absurd_ones() {
        assert!(matches!(money_scale(0), Ok(0)));
        assert!(matches!(money_scale(18), Ok(18)));
        assert!(matches!(
            money_scale(19),
            Err(ExportError::MoneyExponent {
                exponent: 19,
                max: 18
            })
        ));
        assert!(matches!(
            money_scale(u32::MAX),
            Err(ExportError::MoneyExponent { .. })
        ));
    }

    #[test]
    fn date_time_renders_without_t_and_fractions() {
        let dt = jiff::civil::datetime(2024, 3, 9, 7, 5, 3, 999_000_000);
        assert_eq!(SpreadsheetDateTime(dt).to_string(), "2024-03-09 07:05:03");
    }

    #[test]
    fn delimiter_defaults_to_semicolon_with_decimal_comma() {
        let delimiter = Delimiter::default();
        assert_eq!(delimiter, Delimiter::Semicolon);
        assert_eq!(delimiter.decimal_separator(), b',');
        assert_eq!(Delimiter::Comma.decimal_separator(), b'.');
    }
}
