//! CSV output tuned for opening in Excel.

use std::io::{self, Write};

use super::{
    Cell, Delimiter, ExportError, SheetWriter, SpreadsheetDateTime, check_headers, check_row,
    money_scale,
};

/// The UTF-8 byte order mark. Without it Excel decodes CSV files with the
/// legacy ANSI code page and mangles `ä`, `ö` and `€`.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV export that streams rows straight to its writer.
///
/// Output: UTF-8 with a BOM, a header row, then one record per
/// [`SheetWriter::write_row`] call, `\n` terminated. Fields are quoted only
/// when they contain the delimiter, a quote or a line break. Text cells that
/// a spreadsheet would evaluate as a formula get a leading `'` (OWASP CSV
/// injection advice); headers are written verbatim because they come from
/// the application, not from users.
pub struct CsvSheet<W: Write> {
    writer: csv::Writer<W>,
    delimiter: Delimiter,
    columns: usize,
    /// Reused for every field so rendering a cell does not allocate.
    field: Vec<u8>,
}

impl<W: Write> CsvSheet<W> {
    /// Starts a CSV export by writing the BOM and the header row.
    ///
    /// # Errors
    ///
    /// [`ExportError::NoColumns`] for an empty `headers`, otherwise write
    /// failures of `writer`.
    pub fn new(mut writer: W, headers: &[&str], delimiter: Delimiter) -> Result<Self, ExportError> {
        check_headers(headers)?;
        writer.write_all(UTF8_BOM)?;
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter.byte())
            .from_writer(writer);
        writer.write_record(headers)?;
        Ok(Self {
            writer,
            delimiter,
            columns: headers.len(),
            field: Vec::new(),
        })
    }
}

impl<W: Write> SheetWriter for CsvSheet<W> {
    fn write_row(&mut self, row: &[Cell]) -> Result<(), ExportError> {
        check_row(self.columns, row)?;
        for cell in row {
            self.field.clear();
            render_cell(&mut self.field, cell, self.delimiter)?;
            self.writer.write_field(&self.field)?;
        }
        // An empty record ends the one built from the fields above.
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), ExportError> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Renders one cell as the unquoted text of its CSV field (the csv crate
/// adds quoting).
fn render_cell(out: &mut Vec<u8>, cell: &Cell, delimiter: Delimiter) -> Result<(), ExportError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => render_text(out, text),
        Cell::Integer(value) => write!(out, "{value}")?,
        Cell::Money { minor, exponent } => {
            render_money(out, *minor, money_scale(*exponent)?, delimiter)?;
        }
        Cell::Bool(value) => write!(out, "{value}")?,
        Cell::Date(date) => write!(out, "{date}")?,
        Cell::DateTime(date_time) => write!(out, "{}", SpreadsheetDateTime(*date_time))?,
    }
    Ok(())
}

/// Copies text, prefixing `'` when a spreadsheet would otherwise run it as
/// a formula. Only text is guarded: numbers are rendered by us and a
/// negative amount must stay a number.
fn render_text(out: &mut Vec<u8>, text: &str) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push(b'\'');
    }
    out.extend_from_slice(text.as_bytes());
}

/// Renders minor units as a plain decimal with exactly `scale` decimals.
/// Works on the digits rather than on a float, so no amount is ever rounded.
fn render_money(out: &mut Vec<u8>, minor: i64, scale: u8, delimiter: Delimiter) -> io::Result<()> {
    if minor < 0 {
        out.push(b'-');
    }
    let scale = usize::from(scale);
    // Zero-padding to `scale + 1` digits leaves at least one integer digit,
    // e.g. 5 cents become "005" and then "0,05".
    write!(out, "{:0>width$}", minor.unsigned_abs(), width = scale + 1)?;
    if scale > 0 {
        out.insert(out.len() - scale, delimiter.decimal_separator());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::{date, datetime};

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const HEADERS: &[&str] = &["Order", "Note", "Total", "Qty", "Paid", "Date", "Created"];

    fn sample_rows() -> Vec<Vec<Cell>> {
        vec![
            vec![
                Cell::Text("ORD-1".into()),
                Cell::Text("say \"hi\"; ok, fine".into()),
                Cell::Money {
                    minor: 1234,
                    exponent: 2,
                },
                Cell::Integer(-3),
                Cell::Bool(true),
                Cell::Date(date(2024, 3, 9)),
                Cell::DateTime(datetime(2024, 3, 9, 7, 5, 3, 0)),
            ],
            vec![
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Text("line\nbreak".into()),
                Cell::Money {
                    minor: -5,
                    exponent: 2,
                },
                Cell::Integer(0),
                Cell::Bool(false),
                Cell::Empty,
                Cell::Empty,
            ],
            vec![
                Cell::Text("+1".into()),
                Cell::Text("@SUM(A1)".into()),
                Cell::Money {
                    minor: -123_456,
                    exponent: 0,
                },
                Cell::Integer(i64::MAX),
                Cell::Text("-2".into()),
                Cell::Text("\tx".into()),
                Cell::Text("\rx".into()),
            ],
        ]
    }

    fn export(delimiter: Delimiter, rows: &[Vec<Cell>]) -> Result<Vec<u8>, ExportError> {
        let mut out = Vec::new();
        let mut sheet: Box<dyn SheetWriter + '_> =
            Box::new(CsvSheet::new(&mut out, HEADERS, delimiter)?);
        for row in rows {
            sheet.write_row(row)?;
        }
        sheet.finish()?;
        Ok(out)
    }

    #[test]
    fn semicolon_export_is_byte_exact() -> TestResult {
        let expected = "\u{feff}Order;Note;Total;Qty;Paid;Date;Created\n\
            ORD-1;\"say \"\"hi\"\"; ok, fine\";12,34;-3;true;2024-03-09;2024-03-09 07:05:03\n\
            \"'=HYPERLINK(\"\"x\"\")\";\"line\nbreak\";-0,05;0;false;;\n\
            '+1;'@SUM(A1);-123456;9223372036854775807;'-2;'\tx;\"'\rx\"\n";
        assert_eq!(
            String::from_utf8(export(Delimiter::Semicolon, &sample_rows())?)?,
            expected
        );
        Ok(())
    }

    #[test]
    fn comma_export_is_byte_exact() -> TestResult {
        let expected = "\u{feff}Order,Note,Total,Qty,Paid,Date,Created\n\
            ORD-1,\"say \"\"hi\"\"; ok, fine\",12.34,-3,true,2024-03-09,2024-03-09 07:05:03\n\
            \"'=HYPERLINK(\"\"x\"\")\",\"line\nbreak\",-0.05,0,false,,\n\
            '+1,'@SUM(A1),-123456,9223372036854775807,'-2,'\tx,\"'\rx\"\n";
        assert_eq!(
            String::from_utf8(export(Delimiter::Comma, &sample_rows())?)?,
            expected
        );
        Ok(())
    }

    #[test]
    fn money_keeps_every_digit_and_exactly_exponent_decimals() -> TestResult {
        let cases = [
            (0, 2, "0,00"),
            (7, 3, "0,007"),
            (100, 2, "1,00"),
            (-100, 2, "-1,00"),
            (i64::MIN, 2, "-92233720368547758,08"),
            (i64::MAX, 18, "9,223372036854775807"),
            (1, 18, "0,000000000000000001"),
        ];
        for (minor, scale, expected) in cases {
            let mut out = Vec::new();
            render_money(&mut out, minor, scale, Delimiter::Semicolon)?;
            assert_eq!(String::from_utf8(out)?, expected, "minor {minor}");
        }
        Ok(())
    }

    #[test]
    fn unsupported_money_exponent_rejects_the_whole_row() -> TestResult {
        let mut out = Vec::new();
        let mut sheet = CsvSheet::new(&mut out, &["Qty", "Total"], Delimiter::Comma)?;
        let result = sheet.write_row(&[
            Cell::Integer(1),
            Cell::Money {
                minor: 1,
                exponent: 19,
            },
        ]);
        assert!(matches!(
            result,
            Err(ExportError::MoneyExponent {
                exponent: 19,
                max: 18
            })
        ));
        Box::new(sheet).finish()?;
        assert_eq!(out, b"\xEF\xBB\xBFQty,Total\n");
        Ok(())
    }

    #[test]
    fn row_with_wrong_length_is_rejected_without_output() -> TestResult {
        let mut out = Vec::new();
        let mut sheet = CsvSheet::new(&mut out, &["A", "B"], Delimiter::Comma)?;
        let result = sheet.write_row(&[Cell::Integer(1)]);
        assert!(matches!(
            result,
            Err(ExportError::RowLength {
                expected: 2,
                actual: 1
            })
        ));
        Box::new(sheet).finish()?;
        assert_eq!(out, b"\xEF\xBB\xBFA,B\n");
        Ok(())
    }

    #[test]
    fn sheet_without_headers_is_rejected() {
        let result = CsvSheet::new(Vec::new(), &[], Delimiter::Semicolon);
        assert!(matches!(result, Err(ExportError::NoColumns)));
    }
}
