//! Payments as their own records on an order, and the order's payment state that follows from
//! them.
//!
//! A payment is money that moved (or is moving) for an order: a provider's card payment, cash at
//! the counter, a bank transfer found on a statement. Its status walks a small state machine;
//! the order's [`PaymentState`] is never set by hand but derived from the payments and what the
//! order asks for.

use crate::money::{AmountError, MAX_AMOUNT, within_limit};
use crate::order::PaymentState;
use crate::string_enum;

string_enum! {
    /// Where a payment is in its life.
    PaymentStatus {
        /// Started with a provider; no money yet.
        Pending = "pending",
        /// Reserved on the customer's card; captured later (at fulfilment).
        Authorised = "authorised",
        /// The money is the shop's (captured, or received as cash or transfer).
        Paid = "paid",
        Failed = "failed",
        Cancelled = "cancelled",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
    }
}

impl PaymentStatus {
    /// Statuses reachable in one step.
    pub fn allowed_next(self) -> &'static [PaymentStatus] {
        use PaymentStatus::*;
        match self {
            Pending => &[Authorised, Paid, Failed, Cancelled],
            Authorised => &[Paid, Cancelled, Failed],
            Paid => &[PartiallyRefunded, Refunded],
            // A second partial refund keeps the status; the refunded amount grows.
            PartiallyRefunded => &[PartiallyRefunded, Refunded],
            Failed | Cancelled | Refunded => &[],
        }
    }

    pub fn transition(self, to: PaymentStatus) -> Result<PaymentStatus, String> {
        if self.allowed_next().contains(&to) {
            Ok(to)
        } else {
            Err(format!("a {self} payment cannot become {to}"))
        }
    }

    /// Whether the payment's amount was received (a later refund gives part of it back).
    pub fn money_received(self) -> bool {
        matches!(
            self,
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        )
    }
}

string_enum! {
    /// Where a refund is: done at once (cards), or waiting for the customer to complete it
    /// through the link the provider emailed them (bank payments through Visma Pay).
    RefundStatus {
        Pending = "pending",
        Refunded = "refunded",
        /// The provider reported it was not made: the money stays the shop's.
        Rejected = "rejected",
    }
}

/// Why a refund cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// Only money received and not yet all given back can be refunded.
    #[error("a {0} payment cannot be refunded")]
    NotRefundable(PaymentStatus),
    /// The amount asked for: not positive, or more than is left.
    #[error("{0}")]
    Amount(String),
}

/// A refund of `requested` minor units (or all that is left) from a payment of `amount` of
/// which `refunded` went back before: the payment's new status and refunded total.
pub fn refund(
    status: PaymentStatus,
    amount: i64,
    refunded: i64,
    requested: Option<i64>,
) -> Result<(PaymentStatus, i64), RefundError> {
    if !matches!(
        status,
        PaymentStatus::Paid | PaymentStatus::PartiallyRefunded
    ) {
        return Err(RefundError::NotRefundable(status));
    }
    let left = amount.saturating_sub(refunded);
    if left <= 0 {
        return Err(RefundError::NotRefundable(PaymentStatus::Refunded));
    }
    let requested = parse_amount(requested.unwrap_or(left)).map_err(RefundError::Amount)?;
    if requested > left {
        return Err(RefundError::Amount(format!(
            "at most {left} minor units are left to refund"
        )));
    }
    let total = refunded + requested;
    let next = if total == amount {
        PaymentStatus::Refunded
    } else {
        PaymentStatus::PartiallyRefunded
    };
    Ok((next, total))
}

/// A refund counted as given back that failed at the provider after all (Stripe's
/// `refund.failed`: the customer's card was closed, say): the money is the shop's again. The
/// payment's status and refunded total once `failed` minor units are taken off `refunded`.
pub fn reverse_refund(
    amount: i64,
    refunded: i64,
    failed: i64,
) -> Result<(PaymentStatus, i64), RefundError> {
    if failed <= 0 || failed > refunded {
        return Err(RefundError::Amount(format!(
            "a refund of {failed} cannot be taken back from {refunded} refunded"
        )));
    }
    let left = refunded - failed;
    let status = match left {
        0 => PaymentStatus::Paid,
        left if left == amount => PaymentStatus::Refunded,
        _ => PaymentStatus::PartiallyRefunded,
    };
    Ok((status, left))
}

string_enum! {
    /// How the customer paid.
    PaymentMethod {
        Cash = "cash",
        CardTerminal = "card_terminal",
        BankTransfer = "bank_transfer",
        /// Card online, through a provider.
        Card = "card",
        OnlineBank = "online_bank",
        MobileWallet = "mobile_wallet",
        Other = "other",
    }
}

impl PaymentMethod {
    /// The methods staff record by hand (counter and phone sales, bank statements).
    pub fn is_manual(self) -> bool {
        matches!(
            self,
            PaymentMethod::Cash
                | PaymentMethod::CardTerminal
                | PaymentMethod::BankTransfer
                | PaymentMethod::Other
        )
    }
}

/// Checks a payment amount: positive minor units within the money limit.
pub fn parse_amount(amount: i64) -> Result<i64, String> {
    if (1..=MAX_AMOUNT).contains(&amount) {
        Ok(amount)
    } else {
        Err(format!("must be from 1 to {MAX_AMOUNT} minor units"))
    }
}

/// What the payment-state derivation needs of one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentAmounts {
    pub status: PaymentStatus,
    pub amount: i64,
    /// How much of `amount` was given back.
    pub refunded: i64,
}

/// The sums behind an order's payment state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    /// Received, before refunds.
    pub received: i64,
    pub refunded: i64,
    /// What the order still asks for: its total less credit notes, less what was kept.
    /// Negative when the customer paid too much.
    pub due: i64,
}

/// Sums the received and refunded money against `total` (the order's gross less its credit
/// notes). Authorised and pending payments are not money yet and count for nothing.
pub fn balance(total: i64, payments: &[PaymentAmounts]) -> Result<Balance, AmountError> {
    let mut received: i128 = 0;
    let mut refunded: i128 = 0;
    for p in payments.iter().filter(|p| p.status.money_received()) {
        received += i128::from(p.amount);
        refunded += i128::from(p.refunded);
    }
    Ok(Balance {
        received: within_limit(received)?,
        refunded: within_limit(refunded)?,
        due: within_limit(i128::from(total) - (received - refunded))?,
    })
}

/// The order's payment state from its payments.
///
/// Refunds win the name as long as they happened: an order whose money all went back is
/// `refunded`, one that kept part of it `partially_refunded`. Otherwise the order is `paid`
/// once what was kept covers the total (overpayment included: [`Balance::due`] tells how
/// much), `partially_paid` when something came, and `unpaid` when nothing did.
pub fn payment_state(total: i64, payments: &[PaymentAmounts]) -> Result<PaymentState, AmountError> {
    let b = balance(total, payments)?;
    let kept = b.received - b.refunded;
    Ok(if b.received == 0 {
        PaymentState::Unpaid
    } else if b.refunded > 0 && kept <= 0 {
        PaymentState::Refunded
    } else if b.refunded > 0 {
        PaymentState::PartiallyRefunded
    } else if b.due <= 0 {
        PaymentState::Paid
    } else {
        PaymentState::PartiallyPaid
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_failed_refund_gives_the_money_back_to_the_shop() {
        assert_eq!(
            reverse_refund(1000, 1000, 1000),
            Ok((PaymentStatus::Paid, 0))
        );
        assert_eq!(
            reverse_refund(1000, 1000, 400),
            Ok((PaymentStatus::PartiallyRefunded, 600))
        );
        assert!(reverse_refund(1000, 300, 400).is_err());
        assert!(reverse_refund(1000, 300, 0).is_err());
    }
    use super::*;
    use PaymentStatus::*;
    use proptest::prelude::*;

    fn paid(amount: i64) -> PaymentAmounts {
        PaymentAmounts {
            status: Paid,
            amount,
            refunded: 0,
        }
    }

    #[test]
    fn the_state_follows_the_money() {
        let state =
            |total, payments: &[PaymentAmounts]| payment_state(total, payments).expect("fits");
        assert_eq!(state(1000, &[]), PaymentState::Unpaid);
        assert_eq!(state(1000, &[paid(400)]), PaymentState::PartiallyPaid);
        assert_eq!(state(1000, &[paid(400), paid(600)]), PaymentState::Paid);
        assert_eq!(state(1000, &[paid(1200)]), PaymentState::Paid);
        let pending = PaymentAmounts {
            status: Pending,
            ..paid(1000)
        };
        let authorised = PaymentAmounts {
            status: Authorised,
            ..paid(1000)
        };
        let failed = PaymentAmounts {
            status: Failed,
            ..paid(1000)
        };
        assert_eq!(
            state(1000, &[pending, authorised, failed]),
            PaymentState::Unpaid
        );
        let part_back = PaymentAmounts {
            status: PartiallyRefunded,
            amount: 1000,
            refunded: 300,
        };
        assert_eq!(state(1000, &[part_back]), PaymentState::PartiallyRefunded);
        let all_back = PaymentAmounts {
            status: Refunded,
            amount: 1000,
            refunded: 1000,
        };
        assert_eq!(state(1000, &[all_back]), PaymentState::Refunded);
        assert_eq!(
            balance(1000, &[paid(1200)]).map(|b| b.due),
            Ok(-200),
            "overpaid by 2 €"
        );
    }

    #[test]
    fn statuses_move_only_forward() {
        assert_eq!(Pending.transition(Paid), Ok(Paid));
        assert_eq!(Authorised.transition(Paid), Ok(Paid));
        assert_eq!(Paid.transition(Refunded), Ok(Refunded));
        assert!(Paid.transition(Pending).is_err());
        assert!(Refunded.transition(Paid).is_err());
        assert!(Failed.transition(Paid).is_err());
        for status in PaymentStatus::ALL {
            for next in status.allowed_next() {
                // Nothing goes back to not having received money once it was received.
                if status.money_received() {
                    assert!(next.money_received(), "{status} → {next}");
                }
            }
        }
    }

    #[test]
    fn manual_methods_and_amounts() {
        assert!(PaymentMethod::Cash.is_manual());
        assert!(!PaymentMethod::Card.is_manual());
        assert!(parse_amount(0).is_err());
        assert!(parse_amount(-1).is_err());
        assert!(parse_amount(i64::MAX).is_err());
        assert_eq!(parse_amount(1), Ok(1));
    }

    #[test]
    fn refunds_give_back_at_most_what_was_kept() {
        assert_eq!(refund(Paid, 1000, 0, None), Ok((Refunded, 1000)));
        assert_eq!(
            refund(Paid, 1000, 0, Some(300)),
            Ok((PartiallyRefunded, 300))
        );
        assert_eq!(
            refund(PartiallyRefunded, 1000, 300, Some(700)),
            Ok((Refunded, 1000))
        );
        assert_eq!(
            refund(PartiallyRefunded, 1000, 300, None),
            Ok((Refunded, 1000))
        );
        assert!(matches!(
            refund(PartiallyRefunded, 1000, 300, Some(701)),
            Err(RefundError::Amount(_))
        ));
        assert!(matches!(
            refund(Paid, 1000, 0, Some(0)),
            Err(RefundError::Amount(_))
        ));
        for status in [Pending, Authorised, Failed, Cancelled, Refunded] {
            assert_eq!(
                refund(status, 1000, 0, None),
                Err(RefundError::NotRefundable(status))
            );
        }
    }

    proptest! {
        #[test]
        fn refunds_never_exceed_the_payment(amount in 1_i64..1_000_000, parts in proptest::collection::vec(1_i64..400_000, 1..10)) {
            let (mut status, mut refunded) = (Paid, 0);
            for part in parts {
                match refund(status, amount, refunded, Some(part)) {
                    Ok((next, total)) => {
                        prop_assert!(total <= amount && total > refunded);
                        prop_assert_eq!(next == Refunded, total == amount);
                        prop_assert!(status.transition(next).is_ok());
                        (status, refunded) = (next, total);
                    }
                    Err(_) => prop_assert!(refunded + part > amount || status == Refunded),
                }
            }
        }

        #[test]
        fn received_money_covering_the_total_is_paid(total in 1_i64..1_000_000, parts in proptest::collection::vec(1_i64..100_000, 1..20)) {
            let payments: Vec<PaymentAmounts> = parts.iter().map(|&a| paid(a)).collect();
            let sum: i64 = parts.iter().sum();
            let state = payment_state(total, &payments).expect("fits");
            prop_assert_eq!(state == PaymentState::Paid, sum >= total);
            prop_assert_eq!(state == PaymentState::PartiallyPaid, sum < total);
            prop_assert_eq!(balance(total, &payments).expect("fits").due, total - sum);
        }

        #[test]
        fn no_amounts_panic(total in any::<i64>(), amount in any::<i64>(), refunded in any::<i64>()) {
            let p = PaymentAmounts { status: PartiallyRefunded, amount, refunded };
            let _ = payment_state(total, &[p, p, p]);
        }
    }
}
