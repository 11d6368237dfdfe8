//! The EPC QR code payload for a SEPA credit transfer (EPC069-12 "Quick Response Code:
//! Guidelines to Enable Data Capture for the Initiation of a SEPA Credit Transfer"), version 002,
//! UTF-8, as used on Finnish invoices (integrations.md §4.4).
//!
//! Only the text payload is made here; the QR matrix (error correction level M, version ≤ 13)
//! is drawn from it by the document renderer.

use super::iban::{Bic, Iban};
use super::rf::CreditorReference;
use crate::money::{Currency, format_major};

/// Largest payload the guidelines allow, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 331;
/// Largest amount: 999 999 999.99 €.
pub const MAX_AMOUNT_CENTS: i64 = 99_999_999_999;

/// Why the payload cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpcError {
    #[error("the beneficiary name is required")]
    NameMissing,
    #[error("{field} is too long: at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} cannot contain line breaks")]
    LineBreak { field: &'static str },
    #[error("the amount must be between 0.01 and 999 999 999.99 €")]
    AmountOutOfRange,
    #[error("the purpose code has four letters or digits (ISO 20022 ExternalPurpose1Code)")]
    InvalidPurpose,
    #[error("the QR payload is {0} bytes; at most 331 fit (shorten the name or message)")]
    PayloadTooLarge(usize),
}

/// The remittance information: a structured RF reference **or** free text, never both
/// (EPC069-12 elements 10 and 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remittance {
    None,
    /// The RF creditor reference; the payer's bank passes it on as structured data.
    Reference(CreditorReference),
    /// Free text, at most 140 characters.
    Text(String),
}

/// The fields of one credit transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpcPayment {
    /// Optional in version 002 within the EEA.
    pub bic: Option<Bic>,
    /// At most 70 characters.
    pub beneficiary_name: String,
    pub iban: Iban,
    /// Euro cents; `None` lets the payer type the amount.
    pub amount_cents: Option<i64>,
    /// ISO 20022 purpose code, four characters, rarely used.
    pub purpose: Option<String>,
    pub remittance: Remittance,
    /// Beneficiary-to-originator information shown to the payer, at most 70 characters.
    pub information: Option<String>,
}

impl EpcPayment {
    /// The QR payload: lines joined with LF, trailing empty lines dropped.
    pub fn payload(&self) -> Result<String, EpcError> {
        let name = self.beneficiary_name.trim();
        if name.is_empty() {
            return Err(EpcError::NameMissing);
        }
        let name = single_line("the beneficiary name", name, 70)?;
        let amount = match self.amount_cents {
            None => String::new(),
            Some(cents) if (1..=MAX_AMOUNT_CENTS).contains(&cents) => {
                format!("EUR{}", format_major(cents, Currency::Eur, '.'))
            }
            Some(_) => return Err(EpcError::AmountOutOfRange),
        };
        let purpose = match self.purpose.as_deref().map(str::trim) {
            None | Some("") => "",
            Some(code) if code.len() == 4 && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                code
            }
            Some(_) => return Err(EpcError::InvalidPurpose),
        };
        let (structured, unstructured) = match &self.remittance {
            Remittance::None => ("", ""),
            Remittance::Reference(reference) => (reference.as_str(), ""),
            Remittance::Text(text) => ("", single_line("the message", text.trim(), 140)?),
        };
        let information = single_line(
            "the information",
            self.information.as_deref().unwrap_or("").trim(),
            70,
        )?;
        let lines = [
            "BCD",
            "002",
            "1",
            "SCT",
            self.bic.as_ref().map_or("", Bic::as_str),
            name,
            self.iban.as_str(),
            &amount,
            purpose,
            structured,
            unstructured,
            information,
        ];
        let used = lines
            .iter()
            .rposition(|line| !line.is_empty())
            .map_or(0, |last| last + 1);
        let payload = lines[..used].join("\n");
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(EpcError::PayloadTooLarge(payload.len()));
        }
        Ok(payload)
    }
}

/// Checks that a free-text field fits on its line.
fn single_line<'a>(field: &'static str, text: &'a str, max: usize) -> Result<&'a str, EpcError> {
    if text.contains(['\n', '\r']) {
        return Err(EpcError::LineBreak { field });
    }
    if text.chars().count() > max {
        return Err(EpcError::TooLong { field, max });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn example() -> EpcPayment {
        EpcPayment {
            bic: None,
            beneficiary_name: "Esimerkki Oy".into(),
            iban: Iban::parse("FI49 5000 9420 0287 30").expect("valid"),
            amount_cents: Some(123_456),
            purpose: None,
            remittance: Remittance::Reference(
                CreditorReference::parse("RF34 1234 561").expect("valid"),
            ),
            information: None,
        }
    }

    /// integrations.md §4.4 worked example: 70 bytes, trailing empty lines dropped.
    #[test]
    fn builds_the_reference_example() {
        let payload = example().payload().expect("valid");
        assert_eq!(
            payload,
            "BCD\n002\n1\nSCT\n\nEsimerkki Oy\nFI4950009420028730\nEUR1234.56\n\nRF341234561"
        );
        assert_eq!(payload.len(), 70);
        // …and with the due date in element 12, as Finnish generators do: 94 bytes.
        let with_due = EpcPayment {
            information: Some("ReqdExctnDt/2026-12-31".into()),
            ..example()
        };
        let payload = with_due.payload().expect("valid");
        assert_eq!(payload.len(), 94);
        assert!(payload.ends_with("RF341234561\n\nReqdExctnDt/2026-12-31"));
    }

    /// The EPC069-12 example (Belgian Red Cross) with BIC, purpose and free text, in version 002
    /// and with the amount written with two decimals (`EUR1.00`; the guideline writes `EUR1`).
    #[test]
    fn builds_the_epc_guideline_example() {
        let payment = EpcPayment {
            bic: Some(Bic::parse("BPOTBEB1").expect("valid")),
            beneficiary_name: "Red Cross of Belgium".into(),
            iban: Iban::parse("BE72000000001616").expect("valid"),
            amount_cents: Some(100),
            purpose: Some("CHAR".into()),
            remittance: Remittance::Text("Urgency fund".into()),
            information: Some("Sample EPC QR code".into()),
        };
        assert_eq!(
            payment.payload().expect("valid"),
            "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\nBE72000000001616\nEUR1.00\nCHAR\n\nUrgency fund\nSample EPC QR code"
        );
    }

    #[test]
    fn without_amount_or_reference_the_payload_ends_at_the_iban() {
        let payment = EpcPayment {
            amount_cents: None,
            remittance: Remittance::None,
            ..example()
        };
        assert_eq!(
            payment.payload().expect("valid"),
            "BCD\n002\n1\nSCT\n\nEsimerkki Oy\nFI4950009420028730"
        );
    }

    #[test]
    fn refuses_what_the_format_cannot_hold() {
        let error = |payment: EpcPayment| payment.payload().expect_err("refused");
        assert_eq!(
            error(EpcPayment {
                beneficiary_name: "  ".into(),
                ..example()
            }),
            EpcError::NameMissing
        );
        assert_eq!(
            error(EpcPayment {
                beneficiary_name: "Ö".repeat(71),
                ..example()
            }),
            EpcError::TooLong {
                field: "the beneficiary name",
                max: 70
            }
        );
        assert!(
            EpcPayment {
                beneficiary_name: "Ö".repeat(70),
                ..example()
            }
            .payload()
            .is_ok()
        );
        assert_eq!(
            error(EpcPayment {
                beneficiary_name: "Esimerkki\nOy".into(),
                ..example()
            }),
            EpcError::LineBreak {
                field: "the beneficiary name"
            }
        );
        assert_eq!(
            error(EpcPayment {
                amount_cents: Some(0),
                ..example()
            }),
            EpcError::AmountOutOfRange
        );
        assert_eq!(
            error(EpcPayment {
                amount_cents: Some(MAX_AMOUNT_CENTS + 1),
                ..example()
            }),
            EpcError::AmountOutOfRange
        );
        assert!(
            EpcPayment {
                amount_cents: Some(MAX_AMOUNT_CENTS),
                ..example()
            }
            .payload()
            .expect("valid")
            .contains("\nEUR999999999.99\n")
        );
        assert_eq!(
            error(EpcPayment {
                purpose: Some("CHARITY".into()),
                ..example()
            }),
            EpcError::InvalidPurpose
        );
        assert_eq!(
            error(EpcPayment {
                remittance: Remittance::Text("x".repeat(141)),
                ..example()
            }),
            EpcError::TooLong {
                field: "the message",
                max: 140
            }
        );
        assert_eq!(
            error(EpcPayment {
                information: Some("x".repeat(71)),
                ..example()
            }),
            EpcError::TooLong {
                field: "the information",
                max: 70
            }
        );
        // Within every field limit but over 331 bytes: four-byte characters.
        let payment = EpcPayment {
            beneficiary_name: "😀".repeat(70),
            remittance: Remittance::Text("😀".repeat(10)),
            ..example()
        };
        assert!(matches!(error(payment), EpcError::PayloadTooLarge(bytes) if bytes > 331));
    }

    proptest! {
        /// Whatever the inputs, a payload is either refused or well-formed: at most 331 bytes,
        /// 12 lines at most, starting with the fixed header.
        #[test]
        fn payloads_are_well_formed(
            name in "\\PC{0,80}",
            text in "\\PC{0,150}",
            cents in proptest::option::of(-5_i64..=MAX_AMOUNT_CENTS + 5),
        ) {
            let payment = EpcPayment { beneficiary_name: name, remittance: Remittance::Text(text), amount_cents: cents, ..example() };
            if let Ok(payload) = payment.payload() {
                prop_assert!(payload.len() <= MAX_PAYLOAD_BYTES);
                prop_assert!(payload.starts_with("BCD\n002\n1\nSCT\n"));
                prop_assert!(payload.lines().count() <= 12);
            }
        }
    }
}
