//! An issued document as a PDF: its frozen content, written out in the document's language
//! (labels from the translation files, amounts and dates by `tilaus_domain::format`), with the
//! payer's codes (reference, RF, bank barcode, EPC QR) from `tilaus_domain::bank::transfer`.
//! The layout itself is `tilaus-pdf`'s; rendering is CPU work and runs off the async threads.

use crate::admin::Lang;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::pin::Pin;
use tilaus_app::brand::Brand;
use tilaus_app::message::{Attachment, DocumentFiles};
use tilaus_app::{App, AppError, Principal};
use tilaus_domain::bank::transfer::{TransferCodes, transfer_codes};
use tilaus_domain::brand::LogoFormat as BrandLogo;
use tilaus_domain::document::{
    Buyer, DocumentContent, DocumentKind, DocumentLine, Seller, zero_rate_reasons,
};
use tilaus_domain::order::totals;
use tilaus_pdf::{
    Fact, Headings, Logo, LogoFormat, Party, Payment, PdfError, PrintDocument, PrintLine, Totals,
    VatRow,
};
use uuid::Uuid;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PrintError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("the document could not be rendered: {0}")]
    Render(#[from] PdfError),
    #[error("rendering stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A rendered document and the file name it is offered under.
pub(crate) struct Pdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl IntoResponse for Pdf {
    fn into_response(self) -> Response {
        let disposition = format!("inline; filename=\"{}\"", self.file_name);
        (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// The document `id` of the principal's shop as a PDF.
pub(crate) async fn document_pdf(
    app: &App,
    principal: &Principal,
    id: Uuid,
) -> Result<Pdf, PrintError> {
    let (view, content) = app.document_with_content(principal, id).await?;
    let brand = app.shop_brand(principal).await?;
    let print = print_document(&content, &brand);
    let bytes = tokio::task::spawn_blocking(move || tilaus_pdf::render(&print)).await??;
    let safe: String = view
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(Pdf {
        file_name: format!("{}-{safe}.pdf", view.kind),
        bytes,
    })
}

/// Everything the page shows, in the document's language.
/// The shop's current look is used (documents keep their content, not their colours).
pub(crate) fn print_document(content: &DocumentContent, brand: &Brand) -> PrintDocument {
    let lang = Lang::parse(&content.language).unwrap_or(Lang::En);
    let codes = transfer_codes(content);
    let money = |amount: i64| lang.money(amount, content.currency.as_str());
    let kind = content.kind.as_str();
    PrintDocument {
        language: lang.language(),
        kind: content.kind,
        title: lang.t(&format!("document-title-{kind}")),
        issued_on: content.issue_date,
        accent_colour: brand.accent_colour.clone(),
        logo: brand.logo.as_ref().map(|logo| Logo {
            bytes: logo.bytes.clone(),
            format: match logo.format {
                BrandLogo::Png => LogoFormat::Png,
                BrandLogo::Svg => LogoFormat::Svg,
            },
        }),
        seller: seller(lang, &content.seller),
        buyer: buyer(lang, &content.buyer),
        facts: facts(lang, content, &codes),
        headings: headings(lang),
        lines: content
            .lines
            .iter()
            .map(|l| line(lang, content, l))
            .collect(),
        vat_rows: content
            .totals
            .vat_breakdown
            .iter()
            .map(|b| VatRow {
                rate: lang.percent(b.rate.basis_points()),
                net: money(b.net),
                vat: money(b.vat),
                gross: money(b.gross),
            })
            .collect(),
        totals: Totals {
            net: money(content.totals.net),
            vat: money(content.totals.vat),
            gross: money(content.totals.gross),
        },
        notes: notes(lang, content),
        payment: payment(lang, content, &codes),
        bank_barcode: codes.bank_barcode.as_ref().map(|b| b.as_str().to_owned()),
        epc_qr: codes.epc_payload.clone(),
        footer: footer(lang, &content.seller, &codes),
    }
}

fn seller(lang: Lang, seller: &Seller) -> Party {
    let mut lines = seller
        .address
        .as_ref()
        .map(|a| a.printed_lines())
        .unwrap_or_default();
    lines.extend(ids(
        lang,
        seller.business_id.as_deref(),
        seller.vat_id.as_deref(),
    ));
    Party {
        name: seller.name.clone(),
        lines,
    }
}

fn buyer(lang: Lang, buyer: &Buyer) -> Party {
    let mut lines: Vec<String> = buyer.contact_person.iter().cloned().collect();
    let mut address = buyer
        .address
        .as_ref()
        .map(|a| a.printed_lines())
        .unwrap_or_default();
    // The address's own name line repeats the buyer's name more often than not.
    address.retain(|l| *l != buyer.name);
    lines.extend(address);
    lines.extend(ids(
        lang,
        buyer.business_id.as_deref(),
        buyer.vat_id.as_deref(),
    ));
    Party {
        name: buyer.name.clone(),
        lines,
    }
}

fn ids(lang: Lang, business_id: Option<&str>, vat_id: Option<&str>) -> Vec<String> {
    let business = business_id.map(|b| format!("{} {b}", lang.t("document-business-id")));
    let vat = vat_id.map(|v| format!("{} {v}", lang.t("document-vat-id")));
    business.into_iter().chain(vat).collect()
}

fn facts(lang: Lang, content: &DocumentContent, codes: &TransferCodes) -> Vec<Fact> {
    let fact = |key: &str, value: String| Fact {
        label: lang.t(key),
        value,
    };
    let mut facts = vec![
        fact("document-number", content.number.clone()),
        fact("document-issue-date", lang.date(content.issue_date)),
        fact("document-order-number", content.order_number.to_string()),
    ];
    if let Some(due) = content.due_date {
        facts.push(fact("document-due-date", lang.date(due)));
    }
    if let Some(terms) = content.payment_terms {
        facts.push(fact(
            "document-terms",
            lang.t_args("document-terms-days", &[("days", terms.days.to_string())]),
        ));
        facts.push(fact(
            "document-late-interest",
            match terms.late_interest {
                Some(rate) => lang.percent(rate.basis_points()),
                None => lang.t("document-late-interest-statutory"),
            },
        ));
    }
    if let Some(reference) = &content.reference {
        facts.push(fact("document-reference", reference.printed()));
    }
    if let Some(rf) = &codes.rf_reference {
        facts.push(fact("document-rf-reference", rf.grouped()));
    }
    if let Some(original) = &content.credits {
        facts.push(fact(
            "document-credits",
            format!("{} ({})", original.number, lang.date(original.issue_date)),
        ));
    }
    facts
}

fn headings(lang: Lang) -> Headings {
    let t = |key: &str| lang.t(&format!("document-col-{key}"));
    Headings {
        item: t("item"),
        quantity: t("quantity"),
        unit_price: t("unit-price"),
        vat_rate: t("vat-rate"),
        net: t("net"),
        vat: t("vat"),
        gross: t("gross"),
        vat_breakdown: t("vat-breakdown"),
        total_net: t("total-net"),
        total_vat: t("total-vat"),
        total_gross: t("total-gross"),
        payee_account: t("payee-account"),
        payee: t("payee"),
        payer: t("payer"),
        reference: t("reference"),
        due_date: t("due-date"),
        amount: t("amount"),
    }
}

/// One line with its own net, VAT and gross, by the same rounding as the document's totals.
fn line(lang: Lang, content: &DocumentContent, l: &DocumentLine) -> PrintLine {
    let money = |amount: i64| lang.money(amount, content.currency.as_str());
    let amounts = totals([(l.total, l.vat_rate)], content.prices_include_vat).unwrap_or_default();
    let discount = (l.discount != 0)
        .then(|| lang.t_args("document-discount", &[("amount", money(l.discount))]));
    PrintLine {
        name: l.name.clone(),
        detail: [l.sku.clone(), discount]
            .into_iter()
            .flatten()
            .reduce(|a, b| format!("{a} · {b}")),
        quantity: l.quantity.to_string(),
        unit_price: money(l.unit_price_net),
        vat_rate: lang.percent(l.vat_rate.basis_points()),
        net: money(amounts.net),
        vat: money(amounts.vat),
        gross: money(amounts.gross),
    }
}

fn notes(lang: Lang, content: &DocumentContent) -> Vec<String> {
    let mut notes = Vec::new();
    if content.kind == DocumentKind::CreditNote
        && let Some(original) = &content.credits
    {
        notes.push(lang.t_args(
            "document-credit-note-note",
            &[("number", original.number.clone())],
        ));
    }
    if content.kind == DocumentKind::Receipt {
        notes.push(lang.t("document-receipt-note"));
    }
    // Why 0 % lines carry no VAT, as the invoice must say (AVL 209 e §, item 11).
    for reason in zero_rate_reasons(&content.buyer, &content.lines) {
        notes.push(lang.t(&format!("document-zero-rate-{reason}")));
    }
    notes
}

fn payment(lang: Lang, content: &DocumentContent, codes: &TransferCodes) -> Option<Payment> {
    let iban = codes.iban.as_ref()?;
    let reference = content.reference.as_ref()?;
    Some(Payment {
        iban: iban.grouped(),
        bic: codes
            .bic
            .as_ref()
            .map(|b| b.as_str().to_owned())
            .unwrap_or_default(),
        reference: reference.printed(),
        amount: lang.money(content.totals.gross, content.currency.as_str()),
        due_date: content.due_date.map(|d| lang.date(d)).unwrap_or_default(),
    })
}

fn footer(lang: Lang, seller: &Seller, codes: &TransferCodes) -> Vec<String> {
    let mut first = vec![seller.name.clone()];
    first.extend(ids(
        lang,
        seller.business_id.as_deref(),
        seller.vat_id.as_deref(),
    ));
    let bank: Vec<String> = codes
        .iban
        .iter()
        .map(|i| format!("IBAN {}", i.grouped()))
        .chain(codes.bic.iter().map(|b| format!("BIC {}", b.as_str())))
        .collect();
    [first.join(" · "), bank.join(" · ")]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect()
}

/// Documents as mail attachments: the same PDF staff download, rendered when the mail goes out.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailAttachments;

impl DocumentFiles for MailAttachments {
    fn pdf<'a>(
        &'a self,
        app: &'a App,
        principal: &'a Principal,
        document_id: Uuid,
    ) -> Pin<Box<dyn Future<Output = Result<Attachment, AppError>> + Send + 'a>> {
        Box::pin(async move {
            let pdf = document_pdf(app, principal, document_id)
                .await
                .map_err(|e| match e {
                    PrintError::App(e) => e,
                    other => AppError::Conflict(other.to_string()),
                })?;
            Ok(Attachment {
                file_name: pdf.file_name,
                content_type: "application/pdf".into(),
                bytes: pdf.bytes,
            })
        })
    }
}
