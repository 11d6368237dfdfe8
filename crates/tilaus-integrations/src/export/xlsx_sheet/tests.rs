use std::io::{Cursor, Read};
use std::time::Instant;

use jiff::civil::{date, datetime};

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const HEADERS: &[&str] = &["Order", "Total", "Qty", "Paid", "Date", "Created"];

fn order_row(order: &str, minor: i64) -> Vec<Cell> {
    vec![
        Cell::Text(order.to_owned()),
        Cell::Money { minor, exponent: 2 },
        Cell::Integer(3),
        Cell::Bool(true),
        Cell::Date(date(2024, 3, 9)),
        Cell::DateTime(datetime(2024, 3, 9, 12, 0, 0, 0)),
    ]
}

/// Writes `rows` through the trait object, as the application will.
fn export(rows: &[Vec<Cell>]) -> Result<Vec<u8>, ExportError> {
    let mut out = Cursor::new(Vec::new());
    let mut sheet: Box<dyn SheetWriter + '_> =
        Box::new(XlsxSheet::new(&mut out, "Orders", HEADERS)?);
    for row in rows {
        sheet.write_row(row)?;
    }
    sheet.finish()?;
    Ok(out.into_inner())
}

/// Unpacks one file of the XLSX zip container.
fn read_part(xlsx: &[u8], name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx))?;
    let mut part = String::new();
    archive.by_name(name)?.read_to_string(&mut part)?;
    Ok(part)
}

/// The `<c>` element of the cell at `reference`, e.g. `B2`.
fn cell_xml<'a>(sheet_xml: &'a str, reference: &str) -> &'a str {
    let start = sheet_xml
        .find(&format!("<c r=\"{reference}\""))
        .unwrap_or_else(|| panic!("no cell {reference} in {sheet_xml}"));
    let cell = &sheet_xml[start..];
    let end = cell
        .find("</c>")
        .map_or(cell.len(), |end| end + "</c>".len());
    &cell[..end]
}

#[test]
fn small_sheet_is_a_valid_workbook_with_typed_cells() -> TestResult {
    let rows = [
        order_row("ORD-1", 1234),
        order_row("=cmd", -5),
        vec![
            Cell::Empty,
            Cell::Money {
                minor: 150,
                exponent: 0,
            },
            Cell::Integer(-7),
            Cell::Bool(false),
            Cell::Date(date(1800, 1, 1)),
            Cell::DateTime(datetime(1899, 1, 1, 8, 30, 0, 0)),
        ],
    ];
    let xlsx = export(&rows)?;
    let sheet = read_part(&xlsx, "xl/worksheets/sheet1.xml")?;

    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
    assert!(sheet.contains(r#"<autoFilter ref="A1:F4"/>"#));
    assert!(sheet.contains(r#"<dimension ref="A1:F4"/>"#));

    // Header and text cells are inline strings; text is never a formula.
    assert!(cell_xml(&sheet, "A1").contains("<is><t>Order</t></is>"));
    assert!(cell_xml(&sheet, "A2").contains(r#"t="inlineStr"><is><t>ORD-1</t></is>"#));
    assert!(cell_xml(&sheet, "A3").contains("<is><t>=cmd</t></is>"));
    assert!(!sheet.contains("<f>"));
    assert!(!sheet.contains(r#"<c r="A4""#), "Empty writes no cell");

    // Numbers, money, booleans and dates are real values.
    assert!(cell_xml(&sheet, "B2").ends_with("><v>12.34</v></c>"));
    assert!(cell_xml(&sheet, "B3").ends_with("><v>-0.05</v></c>"));
    assert!(cell_xml(&sheet, "B4").ends_with("><v>150</v></c>"));
    assert!(cell_xml(&sheet, "C4").ends_with("><v>-7</v></c>"));
    assert!(cell_xml(&sheet, "D2").ends_with(r#"t="b"><v>1</v></c>"#));
    assert!(cell_xml(&sheet, "D4").ends_with(r#"t="b"><v>0</v></c>"#));
    assert!(cell_xml(&sheet, "E2").ends_with("><v>45360</v></c>"));
    assert!(cell_xml(&sheet, "F2").ends_with("><v>45360.5</v></c>"));

    // Dates Excel cannot represent fall back to ISO text.
    assert!(cell_xml(&sheet, "E4").contains("<is><t>1800-01-01</t></is>"));
    assert!(cell_xml(&sheet, "F4").contains("<is><t>1899-01-01 08:30:00</t></is>"));

    // Columns are sized: "Created" holds a date-time, far wider than its header.
    assert!(sheet.contains("<cols>"));

    let styles = read_part(&xlsx, "xl/styles.xml")?;
    for format in ["#,##0.00", "#,##0", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"] {
        assert!(
            styles.contains(&format!(r#"formatCode="{format}""#)),
            "missing number format {format} in {styles}"
        );
    }
    assert!(styles.contains("<b/>"), "header font is bold");

    let workbook = read_part(&xlsx, "xl/workbook.xml")?;
    assert!(workbook.contains(r#"<sheet name="Orders""#));
    Ok(())
}

#[test]
fn header_only_sheet_filters_the_header() -> TestResult {
    let sheet = read_part(&export(&[])?, "xl/worksheets/sheet1.xml")?;
    assert!(sheet.contains(r#"<autoFilter ref="A1:F1"/>"#));
    Ok(())
}

#[test]
fn many_rows_stream_through_constant_memory() -> TestResult {
    // 200,000 rows took about 9 s in an unoptimised test build on a 2-core
    // machine, so the test stays at 50,000. Release-build figures for a
    // million rows are in the `XlsxSheet` docs.
    const ROWS: u32 = 50_000;
    let started = Instant::now();
    let mut out = Cursor::new(Vec::new());
    let mut sheet = XlsxSheet::new(&mut out, "Orders", HEADERS)?;
    for index in 0..ROWS {
        sheet.write_row(&order_row("ORD", i64::from(index)))?;
    }
    Box::new(sheet).finish()?;
    eprintln!("{ROWS} XLSX rows took {:?}", started.elapsed());

    let sheet = read_part(out.get_ref(), "xl/worksheets/sheet1.xml")?;
    let last_row = ROWS + 1;
    assert!(sheet.contains(&format!(r#"<autoFilter ref="A1:F{last_row}"/>"#)));
    assert!(sheet.contains(&format!(r#"<c r="B{last_row}""#)));
    Ok(())
}

#[test]
fn rows_beyond_excels_limit_are_an_error() -> TestResult {
    let mut out = Cursor::new(Vec::new());
    let mut sheet = XlsxSheet::new(&mut out, "Orders", HEADERS)?;
    // Skip ahead instead of writing a million rows; the last row is still free.
    sheet.next_row = MAX_ROWS - 1;
    sheet.write_row(&order_row("last", 1))?;
    let result = sheet.write_row(&order_row("one too many", 1));
    assert!(matches!(
        result,
        Err(ExportError::TooManyRows { max: 1_048_576 })
    ));
    Box::new(sheet).finish()?;

    let sheet = read_part(out.get_ref(), "xl/worksheets/sheet1.xml")?;
    assert!(sheet.contains(r#"<autoFilter ref="A1:F1048576"/>"#));
    assert!(cell_xml(&sheet, "A1048576").contains("<t>last</t>"));
    Ok(())
}

#[test]
fn oversized_text_is_truncated_to_excels_cell_limit() -> TestResult {
    let ascii = "a".repeat(40_000);
    assert_eq!(cell_text(&ascii).len(), MAX_CELL_TEXT);

    // Each emoji is two UTF-16 units; a half emoji cannot be kept.
    let emoji = "😀".repeat(20_000);
    assert_eq!(cell_text(&emoji).chars().count(), MAX_CELL_TEXT / 2);

    // Many UTF-8 bytes but exactly at the limit in UTF-16 units.
    let euro = "€".repeat(MAX_CELL_TEXT);
    assert_eq!(cell_text(&euro), euro);

    let mut out = Cursor::new(Vec::new());
    let mut sheet = XlsxSheet::new(&mut out, "Notes", &["Note"])?;
    sheet.write_row(&[Cell::Text(ascii)])?;
    Box::new(sheet).finish()?;
    Ok(())
}

#[test]
fn columns_fit_their_widest_value_within_a_cap() {
    assert_eq!(display_width(&Cell::Integer(-1234)), 5);
    assert_eq!(display_width(&Cell::Integer(0)), 1);
    let money = |minor, exponent| display_width(&Cell::Money { minor, exponent });
    assert_eq!(money(-123_456_789, 2), "-1,234,567.89".len());
    assert_eq!(money(5, 2), "0.05".len());
    assert_eq!(money(1000, 0), "1,000".len());
    assert_eq!(display_width(&Cell::Text("ääkkönen".into())), 8);
    assert_eq!(
        column_width(display_width(&Cell::Text("x".repeat(500)))),
        MAX_COLUMN_WIDTH
    );
}

#[test]
fn invalid_sheets_and_rows_are_rejected() -> TestResult {
    let new = |name: &str, headers: &[&str]| XlsxSheet::new(Cursor::new(Vec::new()), name, headers);
    assert!(matches!(new("Orders", &[]), Err(ExportError::NoColumns)));
    let too_wide = vec!["x"; MAX_COLUMNS + 1];
    assert!(matches!(
        new("Orders", &too_wide),
        Err(ExportError::TooManyColumns {
            columns: 16_385,
            max: 16_384
        })
    ));
    assert!(matches!(new("Orders?", HEADERS), Err(ExportError::Xlsx(_))));

    let mut sheet = new("Orders", HEADERS)?;
    assert!(matches!(
        sheet.write_row(&[Cell::Empty]),
        Err(ExportError::RowLength {
            expected: 6,
            actual: 1
        })
    ));
    let mut bad_money = order_row("ORD-1", 1);
    bad_money[1] = Cell::Money {
        minor: 1,
        exponent: 40,
    };
    assert!(matches!(
        sheet.write_row(&bad_money),
        Err(ExportError::MoneyExponent { exponent: 40, .. })
    ));
    Ok(())
}

#[test]
fn sheets_can_move_to_a_blocking_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<XlsxSheet<Vec<u8>>>();
    assert_send::<super::super::CsvSheet<Vec<u8>>>();
}
