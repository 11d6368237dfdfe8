//! Renders real documents and reads them back the way their readers do: the text with
//! `pdftotext` (an accountant checking the mandatory contents), the page image with `zbarimg`
//! (a bank app scanning the barcode and the QR code), the fonts with `pdffonts`.
//!
//! The tools come from poppler-utils and zbar-tools. Without them the tests say SKIPPED, except
//! under `CI=true`, where they fail. Page images of the three languages land in
//! `$TILAUS_SCREENSHOTS` (relative to the workspace root) or the test target directory.

use jiff::civil::{Date, date};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tilaus_domain::bank::barcode::{BarcodeContent, BarcodeReference};
use tilaus_domain::bank::epc::{EpcPayment, Remittance};
use tilaus_domain::bank::iban::{Bic, Iban};
use tilaus_domain::bank::rf::CreditorReference;
use tilaus_domain::language::Language;
use tilaus_pdf::{
    DocumentKind, Fact, Headings, Logo, LogoFormat, Party, Payment, PdfError, PrintDocument,
    PrintLine, Totals, VatRow, render,
};

const IBAN: &str = "FI49 5000 9420 0287 30";
const BIC: &str = "OKOYFIHH";
const NATIONAL_REFERENCE: &str = "1234561";
const RF_REFERENCE: &str = "RF34 1234 561";
const TOTAL_CENTS: i64 = 28_329;
const DUE: Date = date(2026, 3, 31);

/// The words a caller would take from its translations.
struct Words {
    title: &'static str,
    facts: [&'static str; 9],
    values: [&'static str; 5],
    headings: [&'static str; 17],
    lines: [&'static str; 3],
    units: [&'static str; 2],
    seller_lines: [&'static str; 4],
    buyer_lines: [&'static str; 3],
    notes: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::Sv => Words {
            title: "FAKTURA",
            facts: [
                "Fakturanummer",
                "Fakturadatum",
                "Leveransdatum",
                "Förfallodag",
                "Betalningsvillkor",
                "Dröjsmålsränta",
                "Referensnummer",
                "RF-referens",
                "Ordernummer",
            ],
            values: [
                "17.3.2026",
                "16.3.2026",
                "31.3.2026",
                "14 dagar netto",
                "10,5 %",
            ],
            headings: [
                "Produkt",
                "Antal",
                "À-pris",
                "Moms",
                "Netto",
                "Moms €",
                "Totalt",
                "Momsspecifikation",
                "Netto totalt",
                "Moms totalt",
                "Att betala",
                "Mottagarens kontonummer",
                "Mottagare",
                "Betalare",
                "Ref.nr",
                "Förfallodag",
                "Euro",
            ],
            lines: ["Kaffe, mellanrost 500 g", "Kaffekvarn", "Baristakurs"],
            units: ["st.", "h"],
            seller_lines: [
                "Hämeenkatu 1 A, 33100 Tammerfors",
                "FO-nummer 2486559-4",
                "Moms-nr FI24865594",
                "faktura@esimerkki.fi, 03 123 4567",
            ],
            buyer_lines: ["Åbovägen 12", "00100 Helsingfors", "Moms-nr FI01120389"],
            notes: "Tack för ert köp! Dröjsmålsränta enligt räntelagen.",
        },
        Language::En => Words {
            title: "INVOICE",
            facts: [
                "Invoice number",
                "Invoice date",
                "Delivery date",
                "Due date",
                "Payment terms",
                "Late-payment interest",
                "Reference",
                "RF reference",
                "Order number",
            ],
            values: [
                "17 Mar 2026",
                "16 Mar 2026",
                "31 Mar 2026",
                "14 days net",
                "10.5%",
            ],
            headings: [
                "Item",
                "Qty",
                "Unit price",
                "VAT",
                "Net",
                "VAT €",
                "Total",
                "VAT breakdown",
                "Total excl. VAT",
                "VAT total",
                "Amount due",
                "Payee's account",
                "Payee",
                "Payer",
                "Reference",
                "Due date",
                "Euro",
            ],
            lines: [
                "Coffee, medium roast 500 g",
                "Coffee grinder",
                "Barista course",
            ],
            units: ["pcs", "h"],
            seller_lines: [
                "Hämeenkatu 1 A, 33100 Tampere, Finland",
                "Business ID 2486559-4",
                "VAT FI24865594",
                "invoices@esimerkki.fi, +358 3 123 4567",
            ],
            buyer_lines: ["Turuntie 12", "00100 Helsinki, Finland", "VAT FI01120389"],
            notes: "Thank you for your order. Late-payment interest as per the Interest Act.",
        },
        _ => Words {
            title: "LASKU",
            facts: [
                "Laskun numero",
                "Laskun päivämäärä",
                "Toimituspäivä",
                "Eräpäivä",
                "Maksuehto",
                "Viivästyskorko",
                "Viitenumero",
                "RF-viite",
                "Tilausnumero",
            ],
            values: [
                "17.3.2026",
                "16.3.2026",
                "31.3.2026",
                "14 päivää netto",
                "10,5 %",
            ],
            headings: [
                "Tuote",
                "Määrä",
                "À-hinta",
                "ALV",
                "Veroton",
                "ALV €",
                "Yhteensä",
                "ALV-erittely",
                "Veroton yhteensä",
                "ALV yhteensä",
                "Maksettava",
                "Saajan tilinumero",
                "Saaja",
                "Maksaja",
                "Viitenumero",
                "Eräpäivä",
                "Euro",
            ],
            lines: ["Kahvi, keskipaahto 500 g", "Kahvimylly", "Baristakurssi"],
            units: ["kpl", "h"],
            seller_lines: [
                "Hämeenkatu 1 A, 33100 Tampere",
                "Y-tunnus 2486559-4",
                "ALV-nro FI24865594",
                "laskutus@esimerkki.fi, 03 123 4567",
            ],
            buyer_lines: ["Turuntie 12", "00100 Helsinki", "ALV-nro FI01120389"],
            notes: "Kiitos tilauksestanne! Viivästyskorko korkolain mukaan.",
        },
    }
}

/// Money as a Finnish or Swedish reader writes it, or with a decimal point in English.
fn money(cents: i64, language: Language) -> String {
    let text = format!("{}{}{:02}", cents / 100, ',', cents % 100);
    let text = if language == Language::En {
        text.replace(',', ".")
    } else {
        text
    };
    format!("{text}\u{a0}€")
}

fn barcode(reference: BarcodeReference) -> String {
    BarcodeContent {
        iban: Iban::parse(IBAN).expect("valid IBAN"),
        amount_cents: Some(TOTAL_CENTS),
        reference,
        due_date: Some(DUE),
    }
    .encode()
    .expect("valid barcode")
    .as_str()
    .to_owned()
}

fn epc_payload() -> String {
    EpcPayment {
        bic: Some(Bic::parse(BIC).expect("valid BIC")),
        beneficiary_name: "Esimerkki Oy".into(),
        iban: Iban::parse(IBAN).expect("valid IBAN"),
        amount_cents: Some(TOTAL_CENTS),
        purpose: None,
        remittance: Remittance::Reference(CreditorReference::parse(RF_REFERENCE).expect("RF")),
        information: None,
    }
    .payload()
    .expect("valid payload")
}

/// A small two-colour logo, as a shop would upload it.
const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40"><rect x="0" y="4" width="32" height="32" rx="6" fill="#7a3e12"/><path d="M9 26c6-12 14-12 14 0" stroke="#fff" stroke-width="3" fill="none"/><rect x="40" y="12" width="76" height="6" rx="3" fill="#7a3e12"/><rect x="40" y="23" width="52" height="5" rx="2.5" fill="#c48a52"/></svg>"##;

/// A business-to-business invoice with three lines at two VAT rates: 283,29 € in all.
fn invoice(language: Language, line_count: usize) -> PrintDocument {
    let w = words(language);
    let m = |cents| money(cents, language);
    let rate = |basis_points: i64| {
        let text = format!("{},{} %", basis_points / 100, basis_points % 100 / 10);
        if language == Language::En {
            text.replace(',', ".").replace(" %", "%")
        } else {
            text
        }
    };
    let lines: Vec<PrintLine> = (0..line_count)
        .map(|index| match index % 3 {
            0 => PrintLine {
                name: w.lines[0].into(),
                detail: None,
                quantity: format!("4 {}", w.units[0]),
                unit_price: m(720),
                vat_rate: rate(1350),
                net: m(2880),
                vat: m(389),
                gross: m(3269),
            },
            1 => PrintLine {
                name: w.lines[1].into(),
                detail: Some("SKU GR-200".into()),
                quantity: format!("1 {}", w.units[0]),
                unit_price: m(7968),
                vat_rate: rate(2550),
                net: m(7968),
                vat: m(2032),
                gross: m(10000),
            },
            _ => PrintLine {
                name: w.lines[2].into(),
                detail: None,
                quantity: format!("2 {}", w.units[1]),
                unit_price: m(6000),
                vat_rate: rate(2550),
                net: m(12000),
                vat: m(3060),
                gross: m(15060),
            },
        })
        .collect();
    let fact = |label: &str, value: &str| Fact {
        label: label.into(),
        value: value.into(),
    };
    let reference = "12 34561";
    let [
        h0,
        h1,
        h2,
        h3,
        h4,
        h5,
        h6,
        h7,
        h8,
        h9,
        h10,
        h11,
        h12,
        h13,
        h14,
        h15,
        h16,
    ] = w.headings.map(String::from);
    PrintDocument {
        language,
        kind: DocumentKind::Invoice,
        title: w.title.into(),
        issued_on: date(2026, 3, 17),
        accent_colour: "#7a3e12".into(),
        logo: (language == Language::Fi).then(|| Logo {
            bytes: LOGO.as_bytes().to_vec(),
            format: LogoFormat::Svg,
        }),
        seller: Party {
            name: "Esimerkki Oy".into(),
            lines: w.seller_lines.map(String::from).to_vec(),
        },
        buyer: Party {
            name: "Kahvila Kulma Oy".into(),
            lines: w.buyer_lines.map(String::from).to_vec(),
        },
        facts: vec![
            fact(w.facts[0], "10042"),
            fact(w.facts[1], w.values[0]),
            fact(w.facts[2], w.values[1]),
            fact(w.facts[3], w.values[2]),
            fact(w.facts[4], w.values[3]),
            fact(w.facts[5], w.values[4]),
            fact(w.facts[6], reference),
            fact(w.facts[7], RF_REFERENCE),
            fact(w.facts[8], "T-2026-0815"),
        ],
        headings: Headings {
            item: h0,
            quantity: h1,
            unit_price: h2,
            vat_rate: h3,
            net: h4,
            vat: h5,
            gross: h6,
            vat_breakdown: h7,
            total_net: h8,
            total_vat: h9,
            total_gross: h10,
            payee_account: h11,
            payee: h12,
            payer: h13,
            reference: h14,
            due_date: h15,
            amount: h16,
        },
        lines,
        vat_rows: vec![
            VatRow {
                rate: rate(2550),
                net: m(19968),
                vat: m(5092),
                gross: m(25060),
            },
            VatRow {
                rate: rate(1350),
                net: m(2880),
                vat: m(389),
                gross: m(3269),
            },
        ],
        totals: Totals {
            net: m(22848),
            vat: m(5481),
            gross: m(TOTAL_CENTS),
        },
        notes: vec![w.notes.into()],
        payment: Some(Payment {
            iban: IBAN.into(),
            bic: BIC.into(),
            reference: if language == Language::En {
                RF_REFERENCE
            } else {
                reference
            }
            .into(),
            amount: m(TOTAL_CENTS),
            due_date: w.values[2].into(),
        }),
        // English readers get the RF reference, so their barcode is version 5.
        bank_barcode: Some(barcode(if language == Language::En {
            BarcodeReference::Creditor(CreditorReference::parse(RF_REFERENCE).expect("RF"))
        } else {
            BarcodeReference::National(NATIONAL_REFERENCE.into())
        })),
        epc_qr: Some(epc_payload()),
        footer: vec![
            "Esimerkki Oy".into(),
            w.seller_lines[0].into(),
            w.seller_lines[1].into(),
            "www.esimerkki.fi".into(),
        ],
    }
}

/// Whether the command-line tools are here; without them, SKIPPED (or a failure under CI).
fn tools_available(test: &str) -> bool {
    let missing: Vec<&str> = ["pdftotext", "pdftoppm", "pdffonts", "pdfinfo", "zbarimg"]
        .into_iter()
        .filter(|tool| Command::new(tool).arg("-v").output().is_err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test} needs {missing:?} under CI=true (apt-get install poppler-utils zbar-tools)");
    }
    eprintln!("SKIPPED {test}: {missing:?} missing (apt-get install poppler-utils zbar-tools)");
    false
}

fn work_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("pdf")
        .join(test);
    std::fs::create_dir_all(&dir).expect("test directory");
    dir
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().expect(program);
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Text without its spaces: `pdftotext` guesses word gaps from glyph positions and sometimes
/// reads "2 h" as "2h", so presence checks compare compacted text.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of the given pages, compacted (see [`compact`]).
fn text_of(pdf: &Path, pages: Option<(u32, u32)>) -> String {
    let mut args = vec![];
    let range;
    if let Some((first, last)) = pages {
        range = [first.to_string(), last.to_string()];
        args.extend(["-f", &range[0], "-l", &range[1]]);
    }
    args.extend([path_str(pdf), "-"]);
    compact(&run("pdftotext", &args))
}

fn page_count(pdf: &Path) -> u32 {
    run("pdfinfo", &[path_str(pdf)])
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("page count")
}

/// Renders the page at 300 dpi, as a scanner sees print, and returns the PNG's path.
fn page_image(pdf: &Path, page: u32) -> PathBuf {
    let prefix = pdf.with_extension("");
    page_png(pdf, page, 300, &prefix);
    prefix.with_extension("png")
}

/// Writes `page` as `{prefix}.png` at `dpi`.
fn page_png(pdf: &Path, page: u32, dpi: u32, prefix: &Path) {
    let (page, dpi) = (page.to_string(), dpi.to_string());
    let args = ["-r", &dpi, "-png", "-singlefile", "-f", &page, "-l", &page];
    run(
        "pdftoppm",
        &[&args[..], &[path_str(pdf), path_str(prefix)]].concat(),
    );
}

/// What `zbarimg` reads in one symbology (`code128`, `qrcode`) on the image.
fn scan(image: &Path, symbology: &str) -> String {
    let enable = format!("-S{symbology}.enable");
    let text = run(
        "zbarimg",
        &["-q", "--raw", "-Sdisable", &enable, path_str(image)],
    );
    text.strip_suffix('\n').unwrap_or(&text).to_owned()
}

fn screenshot_dir() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("TILAUS_SCREENSHOTS")
        .map(|d| workspace.join(d))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

#[test]
fn invoices_carry_the_mandatory_contents_and_scannable_codes_in_three_languages() {
    if !tools_available("the invoice PDF test") {
        return;
    }
    let dir = work_dir("three-languages");
    for language in [Language::Fi, Language::Sv, Language::En] {
        let document = invoice(language, 3);
        let started = Instant::now();
        let bytes = render(&document).expect("renders");
        eprintln!(
            "{language} invoice rendered in {} ms",
            started.elapsed().as_millis()
        );
        let pdf = dir.join(format!("invoice-{language}.pdf"));
        std::fs::write(&pdf, &bytes).expect("write PDF");
        assert_eq!(
            page_count(&pdf),
            1,
            "{language}: three lines fit on one page"
        );

        // What VAT law asks an invoice to show (reference §4.6), and what the payer needs.
        let text = text_of(&pdf, None);
        let w = words(language);
        let mut expected: Vec<String> = vec![
            w.title.into(),
            "10042".into(),
            "Esimerkki Oy".into(),
            "2486559-4".into(),
            "FI24865594".into(),
            "Kahvila Kulma Oy".into(),
            "FI01120389".into(),
            "T-2026-0815".into(),
            RF_REFERENCE.into(),
            IBAN.into(),
            BIC.into(),
            w.notes.into(),
        ];
        expected.extend(
            w.facts
                .iter()
                .chain(&w.values)
                .chain(&w.lines)
                .map(|s| s.to_string()),
        );
        expected.extend(document.vat_rows.iter().flat_map(|row| {
            [
                row.rate.clone(),
                row.net.clone(),
                row.vat.clone(),
                row.gross.clone(),
            ]
        }));
        expected.extend([
            document.totals.net.clone(),
            document.totals.vat.clone(),
            document.totals.gross.clone(),
        ]);
        for line in &document.lines {
            expected.extend([&line.quantity, &line.unit_price, &line.vat_rate].map(String::clone));
        }
        for heading in words(language).headings {
            expected.push(heading.into());
        }
        let missing: Vec<String> = expected
            .into_iter()
            .filter(|s| !text.contains(&compact(s)))
            .collect();
        assert!(
            missing.is_empty(),
            "{language}: {missing:?} missing from:\n{text}"
        );

        // A bank app reads back exactly what was encoded.
        let image = page_image(&pdf, 1);
        let digits = document.bank_barcode.as_deref().expect("barcode");
        assert!(
            text.contains(digits),
            "{language}: the barcode's digits are printed"
        );
        assert_eq!(scan(&image, "code128"), digits, "{language}: barcode");
        assert_eq!(
            scan(&image, "qrcode"),
            epc_payload(),
            "{language}: EPC QR code"
        );
        // A screen-sized picture of the page for the documentation.
        page_png(
            &pdf,
            1,
            110,
            &screenshot_dir().join(format!("invoice-{language}")),
        );
    }
}

#[test]
fn a_long_invoice_breaks_over_pages_with_the_header_repeated() {
    if !tools_available("the long invoice test") {
        return;
    }
    let pdf = work_dir("long").join("invoice-60.pdf");
    std::fs::write(&pdf, render(&invoice(Language::Fi, 60)).expect("renders")).expect("write");
    let pages = page_count(&pdf);
    assert!(pages >= 2, "60 lines take more than one page, not {pages}");
    let mut pages_with_lines = 0;
    for page in 1..=pages {
        let text = text_of(&pdf, Some((page, page)));
        assert!(
            text.contains(&format!("{page}/{pages}")),
            "page {page} numbered:\n{text}"
        );
        // The transfer form may float alone onto a last page of its own.
        if !text.contains("Baristakurssi") {
            continue;
        }
        pages_with_lines += 1;
        for heading in ["Tuote", "À-hinta", "Veroton"] {
            assert!(
                text.contains(heading),
                "page {page} repeats {heading:?}:\n{text}"
            );
        }
    }
    assert!(
        pages_with_lines >= 2,
        "the lines span {pages_with_lines} page(s)"
    );
    // The transfer form and its codes come once, on the last page.
    let last = text_of(&pdf, Some((pages, pages)));
    assert!(last.contains(&compact("Saajan tilinumero")), "{last}");
    let first = text_of(&pdf, Some((1, 1)));
    assert!(!first.contains(&compact("Saajan tilinumero")), "{first}");
    let image = page_image(&pdf, pages);
    assert_eq!(scan(&image, "qrcode"), epc_payload());
}

#[test]
fn fonts_are_embedded_and_the_file_claims_pdf_a() {
    if !tools_available("the PDF/A test") {
        return;
    }
    let bytes = render(&invoice(Language::Sv, 3)).expect("renders");
    let pdf = work_dir("pdfa").join("invoice.pdf");
    std::fs::write(&pdf, &bytes).expect("write");
    let fonts = run("pdffonts", &[path_str(&pdf)]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        // Columns: name, type, encoding, emb, sub, uni, object, id.
        let columns: Vec<&str> = row.split_whitespace().collect();
        let emb = columns.len().checked_sub(5).map(|i| columns[i]);
        assert_eq!(emb, Some("yes"), "font not embedded: {row}");
    }
    let xmp = String::from_utf8_lossy(&bytes);
    assert!(
        xmp.contains("<pdfaid:part>2</pdfaid:part>") || xmp.contains("pdfaid:part=\"2\""),
        "PDF/A-2 identification missing"
    );
    assert!(
        xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>")
            || xmp.contains("pdfaid:conformance=\"B\""),
        "PDF/A conformance level B missing"
    );
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let document = invoice(Language::En, 3);
    assert_eq!(
        render(&document).expect("renders"),
        render(&document).expect("renders")
    );
}

#[test]
fn receipts_and_credit_notes_have_no_transfer_form() {
    if !tools_available("the receipt test") {
        return;
    }
    let dir = work_dir("receipt");
    for kind in [DocumentKind::Receipt, DocumentKind::CreditNote] {
        let mut document = invoice(Language::Fi, 2);
        document.kind = kind;
        document.title = "KUITTI".into();
        document.payment = None;
        document.bank_barcode = None;
        document.epc_qr = None;
        document.logo = None;
        let pdf = dir.join(format!("{kind:?}.pdf"));
        std::fs::write(&pdf, render(&document).expect("renders")).expect("write");
        let text = text_of(&pdf, None);
        assert!(
            text.contains("KUITTI") && text.contains("Maksettava"),
            "{text}"
        );
        assert!(!text.contains(&compact("Saajan tilinumero")), "{text}");
    }
}

#[test]
fn bad_data_is_an_error_not_a_panic() {
    let mut document = invoice(Language::Fi, 1);
    document.accent_colour = "red".into();
    assert!(matches!(render(&document), Err(PdfError::AccentColour(_))));

    let mut document = invoice(Language::Fi, 1);
    document.bank_barcode = Some("12345".into());
    assert!(matches!(render(&document), Err(PdfError::BankBarcode(_))));

    let mut document = invoice(Language::Fi, 1);
    document.epc_qr = Some("x".repeat(5000));
    assert!(matches!(render(&document), Err(PdfError::EpcQr(_))));

    let mut document = invoice(Language::Fi, 1);
    document.logo = Some(Logo {
        bytes: b"not a picture".to_vec(),
        format: LogoFormat::Png,
    });
    assert!(matches!(render(&document), Err(PdfError::Layout(_))));
}

#[test]
fn text_is_printed_as_text_never_run_as_markup() {
    if !tools_available("the markup test") {
        return;
    }
    let mut document = invoice(Language::En, 1);
    document.buyer.name = "#panic(\"boom\") *bold* $x$ <label> @ref".into();
    let pdf = work_dir("markup").join("invoice.pdf");
    std::fs::write(&pdf, render(&document).expect("renders")).expect("write");
    assert!(text_of(&pdf, None).contains(&compact(&document.buyer.name)));
}

#[test]
fn crowded_documents_still_render_in_full() {
    if !tools_available("the crowded document test") {
        return;
    }
    let mut document = invoice(Language::Fi, 3);
    document.seller.lines.extend(
        [
            "Toimipaikka Pirkkala",
            "Kotipaikka Tampere",
            "www.esimerkki.fi",
        ]
        .map(String::from),
    );
    document.lines[0].name = "Erittäin pitkä tuotenimi, joka ei mahdu yhdelle riville vaan jatkuu seuraavalle ja vielä sitäkin seuraavalle riville".into();
    for n in 0..6 {
        document.facts.push(Fact {
            label: format!("Lisätieto {n}"),
            value: "Asiakkaan viite, joka on melko pitkä".into(),
        });
    }
    let pdf = work_dir("crowded").join("invoice.pdf");
    std::fs::write(&pdf, render(&document).expect("renders")).expect("write");
    let text = text_of(&pdf, None);
    for expected in [
        "www.esimerkki.fi",
        "Lisätieto 5",
        "seuraavalle riville",
        "Maksettava",
    ] {
        assert!(
            text.contains(&compact(expected)),
            "{expected:?} missing:\n{text}"
        );
    }
    let image = page_image(&pdf, page_count(&pdf));
    assert_eq!(scan(&image, "qrcode"), epc_payload());
}
