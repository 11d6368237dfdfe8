//! Documents (tositteet): receipts, invoices, credit notes and transfer slips.
//!
//! A document is the booked deal, the accountant's material: once issued its content never
//! changes. [`DocumentContent`] is that content as a snapshot — seller, buyer, lines, VAT per rate
//! and totals as they were at issue — so that later edits of the shop, the customer or the order
//! never rewrite an issued document. Corrections are credit notes that reference the original.

use crate::customer::{Address, CustomerKind};
use crate::money::{AmountError, Currency, VatRate, div_round_half_away, within_limit};
use crate::order::{ProductKind, Totals, line_total, totals};
use crate::reference::Reference;
use crate::string_enum;
use crate::validation::ValidationErrors;
use jiff::civil::Date;
use std::collections::BTreeMap;

mod zero_rate;
pub use zero_rate::{ZeroRateReason, zero_rate_reasons};

string_enum! {
    DocumentKind {
        /// For a sale paid at once (kuitti).
        Receipt = "receipt",
        /// For a sale paid later (lasku).
        Invoice = "invoice",
        /// A correction of a receipt or invoice (hyvityslasku).
        CreditNote = "credit_note",
        /// Payment instructions for prepayment by bank transfer (tilisiirto).
        TransferSlip = "transfer_slip",
    }
}

impl DocumentKind {
    /// The digit that starts the reference numbers of this kind's documents, for the kinds that
    /// are paid by bank transfer. Distinct per kind, so that invoice 5 and transfer slip 5 have
    /// different references.
    pub fn reference_prefix(self) -> Option<&'static str> {
        match self {
            DocumentKind::Invoice => Some("1"),
            DocumentKind::TransferSlip => Some("2"),
            DocumentKind::Receipt | DocumentKind::CreditNote => None,
        }
    }

    /// Whether the document asks for money by a date (and so carries payment terms).
    pub fn has_due_date(self) -> bool {
        self.reference_prefix().is_some()
    }

    /// Receipts and invoices document a sale; only they can be credited.
    pub fn is_creditable(self) -> bool {
        matches!(self, DocumentKind::Receipt | DocumentKind::Invoice)
    }
}

/// The longest payment term a shop may give, in days.
pub const MAX_TERMS_DAYS: i64 = 365;

/// When and how an invoice is to be paid (reference/integrations.md §4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentTerms {
    pub days: i64,
    /// An agreed late-payment interest in basis points; `None` means the statutory rate
    /// ("viivästyskorko korkolain mukaan"), which changes every half-year and so is not copied.
    pub late_interest: Option<VatRate>,
}

impl Default for PaymentTerms {
    /// 14 days net and statutory late interest: what Finnish small shops most often print.
    fn default() -> Self {
        Self {
            days: 14,
            late_interest: None,
        }
    }
}

impl PaymentTerms {
    pub fn parse_days(days: i64) -> Result<i64, String> {
        if (0..=MAX_TERMS_DAYS).contains(&days) {
            Ok(days)
        } else {
            Err(format!("must be from 0 to {MAX_TERMS_DAYS} days"))
        }
    }

    /// The due date of a document issued on `issue`.
    pub fn due_date(self, issue: Date) -> Result<Date, String> {
        issue
            .checked_add(jiff::Span::new().days(self.days))
            .map_err(|e| format!("the due date is out of range: {e}"))
    }
}

/// The seller as printed on the document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seller {
    pub name: String,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub address: Option<Address>,
    pub iban: Option<String>,
    pub bic: Option<String>,
}

/// The buyer as printed on the document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Buyer {
    pub kind: CustomerKind,
    pub name: String,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub contact_person: Option<String>,
    pub email: Option<String>,
    pub address: Option<Address>,
}

/// One line of a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentLine {
    /// The order line's position; a credit line carries the position of the line it credits.
    pub position: i32,
    pub sku: Option<String>,
    pub name: String,
    pub kind: ProductKind,
    /// Negative on credit notes.
    pub quantity: i64,
    /// In the order's price basis (gross when prices include VAT).
    pub unit_price: i64,
    /// The unit price without VAT, which an invoice must show (AVL 209 e §, item 8).
    pub unit_price_net: i64,
    pub discount: i64,
    pub vat_rate: VatRate,
    /// `quantity × unit_price − discount`, in the order's price basis.
    pub total: i64,
}

/// The unit price without VAT, rounded half away from zero.
pub fn net_unit_price(unit_price: i64, rate: VatRate, prices_include_vat: bool) -> i64 {
    if !prices_include_vat {
        return unit_price;
    }
    let bp = i128::from(rate.basis_points());
    // |result| ≤ |unit_price|, so it always fits.
    i64::try_from(div_round_half_away(
        i128::from(unit_price) * 10_000,
        10_000 + bp,
    ))
    .unwrap_or(unit_price)
}

impl DocumentLine {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        position: i32,
        sku: Option<String>,
        name: String,
        kind: ProductKind,
        quantity: i64,
        unit_price: i64,
        discount: i64,
        vat_rate: VatRate,
        prices_include_vat: bool,
    ) -> Result<Self, AmountError> {
        Ok(Self {
            position,
            sku,
            name,
            kind,
            quantity,
            unit_price,
            unit_price_net: net_unit_price(unit_price, vat_rate, prices_include_vat),
            discount,
            vat_rate,
            total: line_total(quantity, unit_price, discount)?,
        })
    }
}

/// The document a credit note corrects.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreditedDocument {
    pub id: uuid::Uuid,
    pub kind: DocumentKind,
    pub number: String,
    pub issue_date: Date,
}

/// Everything an issued document says, frozen at issue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentContent {
    pub kind: DocumentKind,
    /// The series prefix and the number, e.g. `L-1001`: the sequential identifier.
    pub number: String,
    pub order_number: i64,
    pub language: String,
    pub currency: Currency,
    pub prices_include_vat: bool,
    pub issue_date: Date,
    /// Set on documents that ask for payment by a date.
    pub due_date: Option<Date>,
    pub payment_terms: Option<PaymentTerms>,
    /// Machine form; the printed form groups it by five.
    pub reference: Option<Reference>,
    pub seller: Seller,
    pub buyer: Buyer,
    pub lines: Vec<DocumentLine>,
    pub totals: Totals,
    /// On credit notes: the corrected document (AVL 209 e §, item 13).
    pub credits: Option<CreditedDocument>,
}

/// Totals of document lines: VAT per rate over the document, rounded once per rate.
pub fn document_totals(
    lines: &[DocumentLine],
    prices_include_vat: bool,
) -> Result<Totals, AmountError> {
    totals(
        lines.iter().map(|l| (l.total, l.vat_rate)),
        prices_include_vat,
    )
}

/// What a credit note is to credit: everything still creditable, or chosen quantities of
/// chosen lines (by the original's line position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditScope {
    Full,
    Lines(Vec<(i32, i64)>),
}

/// How much of one original line earlier credit notes already took back.
#[derive(Debug, Clone, Copy, Default)]
struct Credited {
    quantity: i64,
    amount: i64,
}

/// The lines of a new credit note for `original`, given the lines of earlier credit notes of the
/// same original. Never credits more of a line than remains of it: quantity, and amount (the
/// last credit of a line takes exactly what remains, so rounding never leaves or exceeds a cent).
///
/// Errors point into the request's `/lines`.
pub fn credit_lines(
    original: &[DocumentLine],
    earlier_credits: &[DocumentLine],
    scope: &CreditScope,
) -> Result<Vec<DocumentLine>, ValidationErrors> {
    let mut credited: BTreeMap<i32, Credited> = BTreeMap::new();
    for line in earlier_credits {
        let entry = credited.entry(line.position).or_default();
        entry.quantity -= line.quantity;
        entry.amount -= line.total;
    }
    let remaining = |line: &DocumentLine| {
        let done = credited.get(&line.position).copied().unwrap_or_default();
        (line.quantity - done.quantity, line.total - done.amount)
    };
    let mut errors = ValidationErrors::default();
    let mut result = Vec::new();
    match scope {
        CreditScope::Full => {
            for line in original {
                let (quantity, amount) = remaining(line);
                if quantity > 0 {
                    result.push(credit_line(line, quantity, amount));
                }
            }
            if result.is_empty() {
                errors.push("/lines", "the document has been credited in full already");
            }
        }
        CreditScope::Lines(requested) => {
            if requested.is_empty() {
                errors.push(
                    "/lines",
                    "name at least one line, or leave lines out to credit everything",
                );
            }
            let mut seen = Vec::new();
            for (i, &(position, quantity)) in requested.iter().enumerate() {
                let Some(line) = original.iter().find(|l| l.position == position) else {
                    errors.push(
                        format!("/lines/{i}/position"),
                        format!("the document has no line {position}"),
                    );
                    continue;
                };
                if seen.contains(&position) {
                    errors.push(
                        format!("/lines/{i}/position"),
                        format!("line {position} is named twice"),
                    );
                    continue;
                }
                seen.push(position);
                let (left, left_amount) = remaining(line);
                if !(1..=left).contains(&quantity) {
                    errors.push(
                        format!("/lines/{i}/quantity"),
                        if left == 0 {
                            format!("line {position} has been credited in full already")
                        } else {
                            format!("must be from 1 to {left} (what remains of line {position})")
                        },
                    );
                    continue;
                }
                let amount = if quantity == left {
                    left_amount
                } else {
                    let share = div_round_half_away(
                        i128::from(line.total) * i128::from(quantity),
                        i128::from(line.quantity),
                    );
                    // |share| ≤ |line.total|; never more than what remains either.
                    let share = i64::try_from(share).unwrap_or(line.total);
                    if share.abs() > left_amount.abs() {
                        left_amount
                    } else {
                        share
                    }
                };
                result.push(credit_line(line, quantity, amount));
            }
        }
    }
    errors.into_result()?;
    Ok(result)
}

/// A credit of `quantity` units worth `amount` (in the original's basis) of `line`.
fn credit_line(line: &DocumentLine, quantity: i64, amount: i64) -> DocumentLine {
    let quantity = -quantity;
    let total = -amount;
    // The discount keeps `total = quantity × unit_price − discount` true for the credit line.
    let discount =
        within_limit(i128::from(quantity) * i128::from(line.unit_price) - i128::from(total))
            .unwrap_or(0);
    DocumentLine {
        quantity,
        discount,
        total,
        ..line.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(bp: i64) -> VatRate {
        VatRate::new(bp).expect("valid")
    }

    fn line(position: i32, quantity: i64, unit_price: i64, discount: i64) -> DocumentLine {
        DocumentLine::new(
            position,
            None,
            format!("Tuote {position}"),
            ProductKind::Goods,
            quantity,
            unit_price,
            discount,
            rate(2550),
            true,
        )
        .expect("fits")
    }

    #[test]
    fn net_unit_prices_and_due_dates() {
        assert_eq!(net_unit_price(2490, rate(2550), true), 1984); // 24.90 / 1.255 = 19.841
        assert_eq!(net_unit_price(2490, rate(2550), false), 2490);
        assert_eq!(net_unit_price(-1255, rate(2550), true), -1000);
        let issue = Date::new(2026, 12, 20).expect("date");
        let terms = PaymentTerms::default();
        assert_eq!(
            terms.due_date(issue),
            Ok(Date::new(2027, 1, 3).expect("date"))
        );
        assert!(PaymentTerms::parse_days(366).is_err());
        assert!(PaymentTerms::parse_days(-1).is_err());
    }

    #[test]
    fn only_bank_paid_kinds_have_references() {
        assert_eq!(DocumentKind::Invoice.reference_prefix(), Some("1"));
        assert_eq!(DocumentKind::TransferSlip.reference_prefix(), Some("2"));
        assert!(DocumentKind::Receipt.reference_prefix().is_none());
        assert!(!DocumentKind::CreditNote.is_creditable());
    }

    #[test]
    fn a_full_credit_takes_everything_once() {
        let original = vec![line(1, 2, 2490, 0), line(2, 1, 1000, 100)];
        let credit = credit_lines(&original, &[], &CreditScope::Full).expect("credit");
        assert_eq!(
            credit
                .iter()
                .map(|l| (l.position, l.quantity, l.total))
                .collect::<Vec<_>>(),
            vec![(1, -2, -4980), (2, -1, -900)]
        );
        for l in &credit {
            assert_eq!(
                line_total(l.quantity, l.unit_price, l.discount),
                Ok(l.total)
            );
        }
        let again = credit_lines(&original, &credit, &CreditScope::Full);
        assert!(again.is_err(), "nothing remains");
        let totals = document_totals(&credit, true).expect("fits");
        assert_eq!(totals.gross, -5880);
        assert_eq!(totals.net + totals.vat, totals.gross);
    }

    #[test]
    fn per_line_credits_stop_at_what_remains() {
        // 3 units with 1 cent off: 3 × 333 − 1 = 998; thirds round, the last takes the rest.
        let original = vec![line(1, 3, 333, 1)];
        let one = CreditScope::Lines(vec![(1, 1)]);
        let first = credit_lines(&original, &[], &one).expect("first");
        assert_eq!(first[0].total, -333);
        let second = credit_lines(&original, &first, &one).expect("second");
        let both: Vec<DocumentLine> = first.iter().chain(&second).cloned().collect();
        let third = credit_lines(&original, &both, &one).expect("third");
        assert_eq!(first[0].total + second[0].total + third[0].total, -998);
        let all: Vec<DocumentLine> = both.iter().chain(&third).cloned().collect();
        let errors = credit_lines(&original, &all, &one).expect_err("nothing left");
        assert_eq!(errors.0[0].pointer, "/lines/0/quantity");

        let errors = credit_lines(&original, &[], &CreditScope::Lines(vec![(1, 4), (9, 1)]))
            .expect_err("too many and unknown");
        let pointers: Vec<&str> = errors.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/lines/0/quantity", "/lines/1/position"]);
        assert!(credit_lines(&original, &[], &CreditScope::Lines(vec![(1, 1), (1, 1)])).is_err());
        assert!(credit_lines(&original, &[], &CreditScope::Lines(vec![])).is_err());
    }

    proptest! {
        #[test]
        fn credits_never_exceed_the_original(
            lines in proptest::collection::vec((1_i64..20, -5_000_i64..50_000, 0_i64..500), 1..6),
            requests in proptest::collection::vec((0_usize..6, 1_i64..20), 0..30),
        ) {
            let original: Vec<DocumentLine> = lines
                .iter()
                .enumerate()
                .map(|(i, &(q, p, d))| line(i as i32 + 1, q, p, d))
                .collect();
            let mut credited: Vec<DocumentLine> = Vec::new();
            for (index, quantity) in requests {
                let position = (index % original.len()) as i32 + 1;
                if let Ok(new) = credit_lines(&original, &credited, &CreditScope::Lines(vec![(position, quantity)])) {
                    credited.extend(new);
                }
            }
            if let Ok(rest) = credit_lines(&original, &credited, &CreditScope::Full) {
                credited.extend(rest);
            }
            for o in &original {
                let mine = credited.iter().filter(|c| c.position == o.position);
                let (q, a) = mine.fold((0, 0), |(q, a), c| (q - c.quantity, a - c.total));
                prop_assert_eq!(q, o.quantity, "quantity of line {}", o.position);
                prop_assert_eq!(a, o.total, "amount of line {}", o.position);
            }
        }
    }
}
