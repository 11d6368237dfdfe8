//! What a payer needs to pay an issued invoice or transfer slip by bank transfer: the RF form
//! of its reference, the bank barcode and the EPC QR payload, all from the document's frozen
//! content, so that the API, the PDF and the admin print the same codes.

use super::NationalReference;
use super::barcode::{BankBarcode, BarcodeContent, BarcodeReference};
use super::epc::{EpcPayment, Remittance};
use super::iban::{Bic, Iban};
use super::rf::CreditorReference;
use crate::document::DocumentContent;
use crate::reference::Reference;

impl NationalReference for Reference {
    fn digits(&self) -> &str {
        self.as_str()
    }
}

/// The bank codes of one document; each is absent when the document cannot carry it (no
/// reference, no valid IBAN, nothing to pay, or an amount beyond the format).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferCodes {
    pub rf_reference: Option<CreditorReference>,
    pub bank_barcode: Option<BankBarcode>,
    /// The EPC QR payload (version 002, SEPA credit transfer).
    pub epc_payload: Option<String>,
    pub iban: Option<Iban>,
    pub bic: Option<Bic>,
}

/// The codes for paying `content`; only documents with a due date (invoices, transfer slips)
/// ask for a transfer.
pub fn transfer_codes(content: &DocumentContent) -> TransferCodes {
    let Some(reference) = content
        .reference
        .as_ref()
        .filter(|_| content.kind.has_due_date())
    else {
        return TransferCodes::default();
    };
    let rf_reference = CreditorReference::from_national(reference).ok();
    let iban = content
        .seller
        .iban
        .as_deref()
        .and_then(|i| Iban::parse(i).ok());
    let bic = content
        .seller
        .bic
        .as_deref()
        .and_then(|b| Bic::parse(b).ok());
    let amount = Some(content.totals.gross).filter(|gross| *gross > 0);
    let Some(iban) = iban.filter(|_| amount.is_some()) else {
        return TransferCodes {
            rf_reference,
            bic,
            ..TransferCodes::default()
        };
    };
    // Version 4 (the national reference): what every Finnish bank app reads. An amount too large
    // for the barcode's field prints zeros there, as the guide says, and the payer types it.
    let barcode = |amount_cents| {
        BarcodeContent {
            iban: iban.clone(),
            amount_cents,
            reference: BarcodeReference::national(reference),
            due_date: content.due_date,
        }
        .encode()
    };
    let bank_barcode = barcode(amount).or_else(|_| barcode(None)).ok();
    let epc_payload = rf_reference.as_ref().and_then(|rf| {
        EpcPayment {
            bic: bic.clone(),
            beneficiary_name: content.seller.name.chars().take(70).collect(),
            iban: iban.clone(),
            amount_cents: amount,
            purpose: None,
            remittance: Remittance::Reference(rf.clone()),
            information: None,
        }
        .payload()
        .ok()
    });
    TransferCodes {
        rf_reference,
        bank_barcode,
        epc_payload,
        iban: Some(iban),
        bic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::barcode::BarcodeContent;
    use crate::customer::CustomerKind;
    use crate::document::{Buyer, DocumentKind, Seller};
    use crate::money::Currency;
    use crate::order::Totals;

    fn invoice(gross: i64, iban: Option<&str>) -> DocumentContent {
        DocumentContent {
            kind: DocumentKind::Invoice,
            number: "L-1001".into(),
            order_number: 7,
            language: "fi".into(),
            currency: Currency::Eur,
            prices_include_vat: true,
            issue_date: jiff::civil::date(2026, 11, 23),
            due_date: Some(jiff::civil::date(2026, 12, 7)),
            payment_terms: None,
            reference: Some(Reference::for_number("1", 1001).expect("reference")),
            seller: Seller {
                name: "Saaristo Shop Oy".into(),
                business_id: Some("1234567-1".into()),
                vat_id: None,
                address: None,
                iban: iban.map(str::to_owned),
                bic: Some("OKOYFIHH".into()),
            },
            buyer: Buyer {
                kind: CustomerKind::Consumer,
                name: "Aino".into(),
                business_id: None,
                vat_id: None,
                contact_person: None,
                email: None,
                address: None,
            },
            lines: Vec::new(),
            totals: Totals {
                net: 0,
                vat: 0,
                gross,
                vat_breakdown: Vec::new(),
            },
            credits: None,
        }
    }

    const IBAN: &str = "FI79 4405 2020 0360 82";

    #[test]
    fn an_invoice_gets_every_code_and_they_agree() {
        let content = invoice(12_345, Some(IBAN));
        let codes = transfer_codes(&content);
        let reference = content.reference.as_ref().expect("reference");
        let rf = codes.rf_reference.expect("rf");
        assert!(
            rf.as_str()
                .ends_with(reference.as_str().trim_start_matches('0'))
        );
        let barcode = codes.bank_barcode.expect("barcode");
        let read = BarcodeContent::decode(barcode.as_str()).expect("decodes");
        assert_eq!(read.amount_cents, Some(12_345));
        assert_eq!(read.due_date, content.due_date);
        assert_eq!(read.reference, BarcodeReference::national(reference));
        let epc = codes.epc_payload.expect("epc");
        assert!(epc.contains("EUR123.45"), "{epc}");
        assert!(epc.contains(rf.as_str()), "{epc}");
        assert!(epc.contains("FI7944052020036082"), "{epc}");
    }

    #[test]
    fn an_amount_beyond_the_barcode_prints_zeros_but_the_qr_keeps_it() {
        let codes = transfer_codes(&invoice(100_000_000, Some(IBAN)));
        let read =
            BarcodeContent::decode(codes.bank_barcode.expect("barcode").as_str()).expect("decodes");
        assert_eq!(read.amount_cents, None);
        assert!(codes.epc_payload.expect("epc").contains("EUR1000000.00"));
    }

    #[test]
    fn nothing_to_pay_or_nowhere_to_pay_gives_no_transfer() {
        for content in [
            invoice(0, Some(IBAN)),
            invoice(100, None),
            invoice(100, Some("FI00 1234")),
        ] {
            let codes = transfer_codes(&content);
            assert!(codes.bank_barcode.is_none() && codes.epc_payload.is_none());
            assert!(
                codes.rf_reference.is_some(),
                "the reference itself still has an RF form"
            );
        }
        let mut receipt = invoice(100, Some(IBAN));
        receipt.kind = DocumentKind::Receipt;
        assert_eq!(transfer_codes(&receipt), TransferCodes::default());
    }
}
