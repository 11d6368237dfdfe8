//! Receipts, invoices, credit notes and transfer slips as PDF/A-2b.
//!
//! The caller hands over a [`PrintDocument`] in which every value and label is already written
//! for the reader (money, dates and words in the document's language), and [`render`] lays it
//! out with Typst: the template in `templates/document.typ` reads the document as `data.json`.
//! Nothing is fetched from disk or the network: the template, the fonts (Inter, embedded), the
//! logo and the drawn bank barcode and EPC QR code are all served from memory.
//!
//! Typst is by far the most expensive dependency of the workspace to build, which is why this
//! crate stands alone and depends on nothing but the domain.

mod codes;
mod world;

use jiff::civil::Date;
use serde::Serialize;
use tilaus_domain::bank::barcode::BarcodeError;
pub use tilaus_domain::document::DocumentKind;
use tilaus_domain::language::Language;
use typst::diag::SourceDiagnostic;
use typst::foundations::Datetime;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// Everything a document shows, formatted for its reader.
#[derive(Debug, Clone, Serialize)]
pub struct PrintDocument {
    /// Sets hyphenation and the language the PDF declares.
    pub language: Language,
    pub kind: DocumentKind,
    /// The large heading, e.g. "LASKU".
    pub title: String,
    /// The PDF's creation date: the issue date, so that the same document always gives the same
    /// bytes.
    pub issued_on: Date,
    /// The shop's colour as `#rrggbb`, used for headings and rules.
    pub accent_colour: String,
    pub logo: Option<Logo>,
    pub seller: Party,
    pub buyer: Party,
    /// Number, dates, references, terms… in the order they are printed.
    pub facts: Vec<Fact>,
    pub headings: Headings,
    pub lines: Vec<PrintLine>,
    pub vat_rows: Vec<VatRow>,
    pub totals: Totals,
    /// Printed under the totals, e.g. the reverse-charge wording.
    pub notes: Vec<String>,
    /// How to pay; receipts and credit notes have none.
    pub payment: Option<Payment>,
    /// The 54-digit virtual bank barcode, drawn as Code 128 bars with the digits underneath.
    pub bank_barcode: Option<String>,
    /// The EPC QR payload, drawn with error correction level M.
    pub epc_qr: Option<String>,
    /// Small print at the foot of every page (the seller's registered details, contacts).
    pub footer: Vec<String>,
}

/// The shop's logo, printed at most 16 mm high.
#[derive(Debug, Clone, Serialize)]
pub struct Logo {
    /// Served to the template as a file, not through the JSON.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub format: LogoFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogoFormat {
    Png,
    Svg,
}

/// A name in bold and the lines under it (address, business id, VAT id, contact).
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

/// One labelled value beside the title, e.g. "Eräpäivä" – "14.4.2026".
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// The labels the layout needs besides the facts, in the document's language.
#[derive(Debug, Clone, Serialize)]
pub struct Headings {
    /// Columns of the lines table.
    pub item: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat_rate: String,
    pub net: String,
    pub vat: String,
    pub gross: String,
    /// Heading of the VAT breakdown table.
    pub vat_breakdown: String,
    /// Rows of the totals.
    pub total_net: String,
    pub total_vat: String,
    pub total_gross: String,
    /// Fields of the bank transfer form.
    pub payee_account: String,
    pub payee: String,
    pub payer: String,
    pub reference: String,
    pub due_date: String,
    pub amount: String,
}

/// One line of the lines table; `detail` (e.g. a discount or a period) goes under the name.
#[derive(Debug, Clone, Serialize)]
pub struct PrintLine {
    pub name: String,
    pub detail: Option<String>,
    pub quantity: String,
    pub unit_price: String,
    pub vat_rate: String,
    pub net: String,
    pub vat: String,
    pub gross: String,
}

/// Taxable amount and VAT of one rate (or of one exemption).
#[derive(Debug, Clone, Serialize)]
pub struct VatRow {
    pub rate: String,
    pub net: String,
    pub vat: String,
    pub gross: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub net: String,
    pub vat: String,
    pub gross: String,
}

/// The bank transfer form's values; the payee is the seller and the payer the buyer.
#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    /// Grouped by four, e.g. "FI49 5000 9420 0287 30".
    pub iban: String,
    pub bic: String,
    /// The reference as the payer types it (national 7-3-1 groups, or RF).
    pub reference: String,
    pub amount: String,
    pub due_date: String,
}

/// Why a document could not be rendered. Every case is a bug in the caller's data or in the
/// template, never something a customer can cause, so the messages are for developers.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the accent colour must be #rrggbb, not {0:?}")]
    AccentColour(String),
    #[error("the bank barcode is not a valid 54-digit virtual barcode: {0}")]
    BankBarcode(#[from] BarcodeError),
    #[error("the EPC payload does not fit in a QR code: {0}")]
    EpcQr(String),
    #[error("the document could not be laid out: {0}")]
    Layout(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// What the template reads as `data.json`: the document and the size of what was drawn for it.
#[derive(Serialize)]
struct TemplateData<'a> {
    #[serde(flatten)]
    document: &'a PrintDocument,
    barcode_width_mm: Option<f64>,
}

/// Lays the document out on A4 pages and writes it as PDF/A-2b.
///
/// Takes a few hundred milliseconds of CPU in a debug build: call it from a blocking task, not
/// on an async executor's thread.
pub fn render(document: &PrintDocument) -> Result<Vec<u8>, PdfError> {
    if !is_hex_colour(&document.accent_colour) {
        return Err(PdfError::AccentColour(document.accent_colour.clone()));
    }
    let barcode = document
        .bank_barcode
        .as_deref()
        .map(codes::bank_barcode_svg)
        .transpose()?;
    let data = TemplateData {
        document,
        barcode_width_mm: barcode.as_ref().map(|barcode| barcode.width_mm),
    };
    let mut files = vec![(
        "/data.json",
        serde_json::to_vec(&data).map_err(|error| PdfError::Layout(error.to_string()))?,
    )];
    if let Some(logo) = &document.logo {
        let name = match logo.format {
            LogoFormat::Png => "/logo.png",
            LogoFormat::Svg => "/logo.svg",
        };
        files.push((name, logo.bytes.clone()));
    }
    if let Some(barcode) = barcode {
        files.push(("/barcode.svg", barcode.svg.into_bytes()));
    }
    if let Some(payload) = &document.epc_qr {
        files.push(("/qr.svg", codes::qr_svg(payload)?.into_bytes()));
    }
    let today = datetime(document.issued_on)?;
    // The paths are this crate's constants: an error here is a bug, reported like a layout one.
    let world = world::DocumentWorld::new(files, today)
        .map_err(|error| PdfError::Layout(format!("{error:?}")))?;
    let pdf = lay_out_and_write(&world, today);
    // Typst memoises layouts across calls; a server renders many different documents, so
    // forget them rather than let the cache grow without bound.
    typst::comemo::evict(0);
    pdf
}

fn lay_out_and_write(world: &world::DocumentWorld, today: Datetime) -> Result<Vec<u8>, PdfError> {
    // The document type follows from `typst_pdf::pdf` below: a paged layout.
    let pages = typst::compile(world)
        .output
        .map_err(|errors| PdfError::Layout(describe(&errors)))?;
    let options = PdfOptions {
        creator: typst::foundations::Smart::Custom(Some("Tilaus".into())),
        timestamp: Some(Timestamp::new_utc(today)),
        standards: PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|error| PdfError::Pdf(error.message().to_string()))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&pages, &options).map_err(|errors| PdfError::Pdf(describe(&errors)))
}

fn is_hex_colour(text: &str) -> bool {
    text.strip_prefix('#')
        .is_some_and(|hex| hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn datetime(date: Date) -> Result<Datetime, PdfError> {
    let month = u8::try_from(date.month()).ok();
    let day = u8::try_from(date.day()).ok();
    month
        .zip(day)
        .and_then(|(month, day)| Datetime::from_ymd_hms(date.year().into(), month, day, 0, 0, 0))
        .ok_or_else(|| PdfError::Pdf(format!("{date} cannot be a PDF date")))
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|error| {
            let hints = error
                .hints
                .iter()
                .map(|hint| format!(" (hint: {})", hint.v));
            std::iter::once(error.message.to_string())
                .chain(hints)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_six_digit_hex_colours() {
        assert!(is_hex_colour("#1f5F8b"));
        assert!(!is_hex_colour("1f5f8b"));
        assert!(!is_hex_colour("#fff"));
        assert!(!is_hex_colour("#1f5f8g"));
        assert!(!is_hex_colour("#1f5f8b\"); panic()"));
    }
}
