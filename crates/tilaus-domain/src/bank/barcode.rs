//! The Finnish bank barcode (pankkiviivakoodi) and its 54-digit "virtual barcode"
//! (virtuaaliviivakoodi), symbol versions 4 (national reference) and 5 (RF reference), per
//! Finance Finland's Bank Bar Code Guide 5.3 (summarised in integrations.md §4.3).
//!
//! | field     | version 4                            | version 5                              |
//! |-----------|--------------------------------------|----------------------------------------|
//! | version   | `4`                                  | `5`                                    |
//! | account   | 16: the Finnish IBAN without `FI`    | same                                   |
//! | euros     | 6                                    | same                                   |
//! | cents     | 2                                    | same                                   |
//! | —         | reserve `000`                        | the 2 RF check digits                  |
//! | reference | 20: national reference, zero-padded  | 21: numeric RF body, zero-padded       |
//! | due date  | 6: `YYMMDD`, `000000` when none      | same                                   |

use jiff::civil::Date;

use super::NationalReference;
use super::code128::Code128;
use super::iban::Iban;
use super::rf::CreditorReference;

/// The largest amount the euro and cent fields hold: 999 999.99 €.
pub const MAX_AMOUNT_CENTS: i64 = 99_999_999;

/// Why the barcode cannot be made (or a 54-digit text is not one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("the bank barcode is only for Finnish (FI) accounts")]
    NotFinnishAccount,
    #[error("the amount must be positive")]
    AmountNotPositive,
    #[error(
        "the amount is larger than the barcode's 999 999.99 €; leave the amount out of the barcode (the guide's rule) and print it beside it"
    )]
    AmountTooLarge,
    #[error("the national reference must be 1–20 digits")]
    InvalidNationalReference,
    #[error("a version 5 barcode needs an RF reference of at most 21 digits after RFkk")]
    CreditorReferenceNotNumeric,
    #[error("the barcode's due date must be in the years 2000–2099")]
    DueDateOutOfRange,
    #[error("a virtual barcode is 54 digits starting with 4 or 5")]
    Malformed,
}

/// The payment reference the barcode carries, which also decides its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BarcodeReference {
    /// Version 4: the national reference's digits, check digit included.
    National(String),
    /// Version 5: an RF reference with a numeric body.
    Creditor(CreditorReference),
}

impl BarcodeReference {
    pub fn national(reference: &impl NationalReference) -> Self {
        Self::National(reference.digits().to_owned())
    }
}

/// What a bank barcode says: to which account, how much, with which reference, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarcodeContent {
    pub iban: Iban,
    /// Cents; `None` prints zeros and lets the payer type the amount.
    pub amount_cents: Option<i64>,
    pub reference: BarcodeReference,
    /// `None` prints `000000` (no due date).
    pub due_date: Option<Date>,
}

/// A valid 54-digit virtual barcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankBarcode(String);

impl BarcodeContent {
    /// Lays the fields out as the guide's version 4 or 5.
    pub fn encode(&self) -> Result<BankBarcode, BarcodeError> {
        if self.iban.country() != "FI" {
            return Err(BarcodeError::NotFinnishAccount);
        }
        let amount = match self.amount_cents {
            None => 0,
            Some(cents) if cents <= 0 => return Err(BarcodeError::AmountNotPositive),
            Some(cents) if cents > MAX_AMOUNT_CENTS => return Err(BarcodeError::AmountTooLarge),
            Some(cents) => cents,
        };
        let due = match self.due_date {
            None => "000000".to_owned(),
            Some(date) if !(2000..=2099).contains(&date.year()) => {
                return Err(BarcodeError::DueDateOutOfRange);
            }
            Some(date) => format!(
                "{:02}{:02}{:02}",
                date.year() % 100,
                date.month(),
                date.day()
            ),
        };
        let account = &self.iban.as_str()[2..];
        let digits = match &self.reference {
            BarcodeReference::National(reference) => {
                let reference = reference.trim_start_matches('0');
                if reference.is_empty()
                    || reference.len() > 20
                    || !reference.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(BarcodeError::InvalidNationalReference);
                }
                format!("4{account}{amount:08}000{reference:0>20}{due}")
            }
            BarcodeReference::Creditor(rf) => {
                let body = rf.body().trim_start_matches('0');
                if body.len() > 21 || !body.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(BarcodeError::CreditorReferenceNotNumeric);
                }
                format!("5{account}{amount:08}{}{body:0>21}{due}", rf.check_digits())
            }
        };
        Ok(BankBarcode(digits))
    }

    /// Reads a virtual barcode back (what a payer's online bank does with the pasted digits).
    pub fn decode(digits: &str) -> Result<Self, BarcodeError> {
        let digits = digits.trim();
        if digits.len() != 54 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BarcodeError::Malformed);
        }
        let iban =
            Iban::parse(&format!("FI{}", &digits[1..17])).map_err(|_| BarcodeError::Malformed)?;
        let amount = digits[17..25]
            .parse::<i64>()
            .map_err(|_| BarcodeError::Malformed)?;
        let due_date = match &digits[48..54] {
            "000000" => None,
            due => {
                let field = |range: std::ops::Range<usize>| due[range].parse::<i8>();
                let (Ok(year), Ok(month), Ok(day)) = (field(0..2), field(2..4), field(4..6)) else {
                    return Err(BarcodeError::Malformed);
                };
                Some(
                    Date::new(2000 + i16::from(year), month, day)
                        .map_err(|_| BarcodeError::Malformed)?,
                )
            }
        };
        let reference = match &digits[..1] {
            "4" if &digits[25..28] == "000" => {
                let reference = digits[28..48].trim_start_matches('0');
                if reference.is_empty() {
                    return Err(BarcodeError::Malformed);
                }
                BarcodeReference::National(reference.to_owned())
            }
            "5" => {
                let body = digits[27..48].trim_start_matches('0');
                let rf = CreditorReference::parse(&format!("RF{}{body}", &digits[25..27]))
                    .map_err(|_| BarcodeError::Malformed)?;
                BarcodeReference::Creditor(rf)
            }
            _ => return Err(BarcodeError::Malformed),
        };
        Ok(Self {
            iban,
            amount_cents: (amount > 0).then_some(amount),
            reference,
            due_date,
        })
    }
}

impl BankBarcode {
    /// Parses a pasted virtual barcode into its validated digits.
    pub fn parse(digits: &str) -> Result<Self, BarcodeError> {
        BarcodeContent::decode(digits)?.encode()
    }

    /// The 54 digits people paste into their online bank.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed bars: the 54 digits in Code 128 set C (start C, 27 pairs, check, stop).
    pub fn code128(&self) -> Code128 {
        // `encode` and `decode` only ever hold 54 ASCII digits here.
        Code128::from_ascii_digits(self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::code128::tests::scan;
    use crate::bank::rf::Digits;
    use proptest::prelude::*;

    fn content(
        iban: &str,
        cents: Option<i64>,
        reference: BarcodeReference,
        due: Option<Date>,
    ) -> BarcodeContent {
        BarcodeContent {
            iban: Iban::parse(iban).expect("valid"),
            amount_cents: cents,
            reference,
            due_date: due,
        }
    }

    fn rf(text: &str) -> BarcodeReference {
        BarcodeReference::Creditor(CreditorReference::parse(text).expect("valid"))
    }

    /// integrations.md §4.3 worked examples (computed by the reference's authors).
    #[test]
    fn lays_out_the_reference_examples() {
        let due = Some(jiff::civil::date(2026, 12, 31));
        let v4 = content(
            "FI49 5000 9420 0287 30",
            Some(123_456),
            BarcodeReference::national(&Digits("1234561")),
            due,
        );
        assert_eq!(
            v4.encode().expect("valid").as_str(),
            "449500094200287300012345600000000000000001234561261231"
        );
        let v5 = content(
            "FI49 5000 9420 0287 30",
            Some(123_456),
            rf("RF34 1234 561"),
            due,
        );
        assert_eq!(
            v5.encode().expect("valid").as_str(),
            "549500094200287300012345634000000000000001234561261231"
        );
    }

    /// The test vectors of the virtuaaliviivakoodi library (npm), which follows the bank guide.
    #[test]
    fn matches_the_virtuaaliviivakoodi_library() {
        let v4 = content(
            "FI37 1590 3000 0007 76",
            Some(1225),
            BarcodeReference::National("11112".into()),
            Some(jiff::civil::date(2016, 12, 21)),
        );
        assert_eq!(
            v4.encode().expect("valid").as_str(),
            "437159030000007760000122500000000000000000011112161221"
        );
        let v5 = content(
            "FI37 1590 3000 0007 76",
            Some(110),
            rf("RF9811112"),
            Some(jiff::civil::date(2017, 1, 1)),
        );
        assert_eq!(
            v5.encode().expect("valid").as_str(),
            "537159030000007760000011098000000000000000011112170101"
        );
    }

    #[test]
    fn missing_amount_and_due_date_print_zeros() {
        let barcode = content(
            "FI49 5000 9420 0287 30",
            None,
            BarcodeReference::National("1234561".into()),
            None,
        )
        .encode()
        .expect("valid");
        assert_eq!(
            barcode.as_str(),
            "449500094200287300000000000000000000000001234561000000"
        );
    }

    #[test]
    fn refuses_what_the_fields_cannot_hold() {
        let national = || BarcodeReference::National("1234561".into());
        let fi = "FI49 5000 9420 0287 30";
        let error = |c: BarcodeContent| c.encode().expect_err("refused");
        assert_eq!(
            error(content(fi, Some(100_000_000), national(), None)),
            BarcodeError::AmountTooLarge
        );
        assert!(
            content(fi, Some(MAX_AMOUNT_CENTS), national(), None)
                .encode()
                .is_ok()
        );
        assert_eq!(
            error(content(fi, Some(0), national(), None)),
            BarcodeError::AmountNotPositive
        );
        assert_eq!(
            error(content(fi, Some(-5), national(), None)),
            BarcodeError::AmountNotPositive
        );
        assert_eq!(
            error(content(
                "DE89 3704 0044 0532 0130 00",
                Some(1),
                national(),
                None
            )),
            BarcodeError::NotFinnishAccount
        );
        assert_eq!(
            error(content(
                fi,
                None,
                BarcodeReference::National("123456789012345678901".into()),
                None
            )),
            BarcodeError::InvalidNationalReference
        );
        assert_eq!(
            error(content(
                fi,
                None,
                BarcodeReference::National("12 34561".into()),
                None
            )),
            BarcodeError::InvalidNationalReference
        );
        // ISO 11649 allows letters, the barcode's digit field does not.
        let letters = (2..=98)
            .find_map(|check| CreditorReference::parse(&format!("RF{check:02}ABC")).ok())
            .expect("valid");
        assert_eq!(
            error(content(fi, None, BarcodeReference::Creditor(letters), None)),
            BarcodeError::CreditorReferenceNotNumeric
        );
        assert_eq!(
            error(content(
                fi,
                None,
                national(),
                Some(jiff::civil::date(2100, 1, 1))
            )),
            BarcodeError::DueDateOutOfRange
        );
    }

    #[test]
    fn decodes_and_refuses_garbage() {
        let digits = "449500094200287300012345600000000000000001234561261231";
        let decoded = BarcodeContent::decode(digits).expect("valid");
        assert_eq!(decoded.iban.as_str(), "FI4950009420028730");
        assert_eq!(decoded.amount_cents, Some(123_456));
        assert_eq!(
            decoded.reference,
            BarcodeReference::National("1234561".into())
        );
        assert_eq!(decoded.due_date, Some(jiff::civil::date(2026, 12, 31)));
        assert_eq!(BankBarcode::parse(digits).expect("valid").as_str(), digits);
        for bad in [
            "",
            "44950009420028730001234560000000000000000123456126123", // 53 digits
            "349500094200287300012345600000000000000001234561261231", // version 3
            "449500094200287300012345600100000000000001234561261231", // reserve not 000
            "449500094200287310012345600000000000000001234561261231", // IBAN check fails
            "449500094200287300012345600000000000000001234561261331", // month 13
            "449500094200287300012345600000000000000000000000261231", // no reference
            "549500094200287300012345635000000000000001234561261231", // RF check fails
            "44950009420028730001234560000000000000000123456126123x",
        ] {
            assert_eq!(
                BarcodeContent::decode(bad),
                Err(BarcodeError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bars_carry_the_digits() {
        let barcode = BankBarcode::parse("449500094200287300012345600000000000000001234561261231")
            .expect("valid");
        let code = barcode.code128();
        assert_eq!(code.symbols().len(), 1 + 27 + 1 + 1);
        assert_eq!(code.symbols()[0], 105);
        assert_eq!(code.symbols()[1], 44);
        assert_eq!(
            scan(&code.module_widths()).as_deref(),
            Some(barcode.as_str())
        );
    }

    fn any_content() -> impl Strategy<Value = BarcodeContent> {
        let iban = "[0-9]{14}".prop_map(|bban| {
            let check = 98 - crate::bank::mod97(bban.chars().chain("FI00".chars())).expect("valid");
            Iban::parse(&format!("FI{check:02}{bban}")).expect("valid")
        });
        let reference = prop_oneof![
            "[1-9][0-9]{0,19}".prop_map(BarcodeReference::National),
            "[1-9][0-9]{0,19}".prop_map(|digits| BarcodeReference::Creditor(
                CreditorReference::from_national(&Digits(&digits)).expect("valid")
            )),
        ];
        let due = proptest::option::of(
            (2000_i16..=2099, 1_i8..=12, 1_i8..=28)
                .prop_map(|(y, m, d)| jiff::civil::date(y, m, d)),
        );
        (
            iban,
            proptest::option::of(1..=MAX_AMOUNT_CENTS),
            reference,
            due,
        )
            .prop_map(|(iban, amount_cents, reference, due_date)| BarcodeContent {
                iban,
                amount_cents,
                reference,
                due_date,
            })
    }

    proptest! {
        #[test]
        fn decoding_returns_what_was_encoded(original in any_content()) {
            let barcode = original.encode().expect("valid");
            prop_assert_eq!(barcode.as_str().len(), 54);
            prop_assert_eq!(BarcodeContent::decode(barcode.as_str()), Ok(original));
            let scanned = scan(&barcode.code128().module_widths());
            prop_assert_eq!(scanned.as_deref(), Some(barcode.as_str()));
        }

        #[test]
        fn decoding_never_panics(digits in "[0-9]{54}") {
            let _ = BarcodeContent::decode(&digits);
        }
    }
}
