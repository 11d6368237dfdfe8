//! The order's state machine (ORD-2) and the payment and delivery states beside it.

use crate::string_enum;

string_enum! {
    /// Where an order is in its life.
    OrderState {
        Open = "open",
        Confirmed = "confirmed",
        Invoiced = "invoiced",
        Paid = "paid",
        Completed = "completed",
        Cancelled = "cancelled",
        /// Merged into a consolidated order (reserved for the consolidation feature).
        Consolidated = "consolidated",
    }
}

string_enum! {
    PaymentState {
        Unpaid = "unpaid",
        PartiallyPaid = "partially_paid",
        Paid = "paid",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
    }
}

string_enum! {
    DeliveryState {
        None = "none",
        Pending = "pending",
        PartiallyDelivered = "partially_delivered",
        Delivered = "delivered",
        Returned = "returned",
    }
}

/// An action the order's current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} is not allowed for an order that is {current}{}", allowed_text(.allowed))]
pub struct StateError {
    pub action: String,
    pub current: OrderState,
    /// The states the order may move to from here.
    pub allowed: Vec<OrderState>,
}

fn allowed_text(allowed: &[OrderState]) -> String {
    if allowed.is_empty() {
        "; it cannot change state any more".into()
    } else {
        let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        format!("; from here it can become {}", names.join(" or "))
    }
}

impl OrderState {
    /// States reachable in one step. `Consolidated` is reached only by consolidation.
    pub fn allowed_next(self) -> &'static [OrderState] {
        use OrderState::*;
        match self {
            Open => &[Confirmed, Cancelled],
            Confirmed => &[Invoiced, Paid, Cancelled],
            Invoiced | Paid => &[Completed],
            Completed | Cancelled | Consolidated => &[],
        }
    }

    /// The state after moving to `to`, or why not.
    pub fn transition(self, to: OrderState) -> Result<OrderState, StateError> {
        if self.allowed_next().contains(&to) {
            Ok(to)
        } else {
            Err(self.refuse(format!("changing the state to {to}")))
        }
    }

    /// The states an order may arrive in through ingest.
    pub fn is_initial(self) -> bool {
        matches!(self, OrderState::Open | OrderState::Confirmed)
    }

    /// Lines, customer and prices may change only while the order is open (ORD-3).
    pub fn ensure_content_editable(self) -> Result<(), StateError> {
        match self {
            OrderState::Open => Ok(()),
            _ => Err(self.refuse("editing the order's content".into())),
        }
    }

    /// Delivery details stay editable after confirmation (ORD-21).
    pub fn ensure_delivery_editable(self) -> Result<(), StateError> {
        match self {
            OrderState::Open | OrderState::Confirmed => Ok(()),
            _ => Err(self.refuse("editing the delivery details".into())),
        }
    }

    /// Tags and the order's language are the merchant's own labels, not the agreed content:
    /// staff change them in every state (a late message still goes out in the right language,
    /// ORD-19), except on an order merged away into a consolidated one.
    pub fn ensure_labels_editable(self) -> Result<(), StateError> {
        match self {
            OrderState::Consolidated => Err(self.refuse("changing tags or the language".into())),
            _ => Ok(()),
        }
    }

    /// Only open orders can be deleted; others are cancelled instead and keep their history.
    pub fn ensure_deletable(self) -> Result<(), StateError> {
        match self {
            OrderState::Open => Ok(()),
            _ => Err(self.refuse("deleting the order".into())),
        }
    }

    /// An invoice is issued for a confirmed order, which it moves on to `invoiced`; an open
    /// order is confirmed first, and one that was paid or invoiced already has its document.
    pub fn ensure_invoiceable(self) -> Result<(), StateError> {
        match self {
            OrderState::Confirmed => Ok(()),
            _ => Err(self.refuse("issuing an invoice".into())),
        }
    }

    /// A transfer slip (prepayment by bank transfer) asks for the money of an agreed order
    /// before it is delivered: confirmed, not yet invoiced or paid.
    pub fn ensure_prepayable(self) -> Result<(), StateError> {
        match self {
            OrderState::Confirmed => Ok(()),
            _ => Err(self.refuse("issuing a transfer slip".into())),
        }
    }

    /// Money is recorded on agreed orders only: an open order is confirmed first (its content
    /// may still change), and a cancelled or consolidated one takes no payments.
    pub fn ensure_payable(self) -> Result<(), StateError> {
        match self {
            OrderState::Confirmed
            | OrderState::Invoiced
            | OrderState::Paid
            | OrderState::Completed => Ok(()),
            _ => Err(self.refuse("recording a payment".into())),
        }
    }

    /// A payment link is made for an open or confirmed order: an open one is paid as it
    /// stands (Johku's open order at the counter), and later states have their document.
    pub fn ensure_payment_linkable(self) -> Result<(), StateError> {
        match self {
            OrderState::Open | OrderState::Confirmed => Ok(()),
            _ => Err(self.refuse("making a payment link".into())),
        }
    }

    /// A customer confirms (and staff send a confirmation link for) an open order only: that is
    /// the state Johku's confirmation moves on from, and once confirmed the content is final,
    /// so there is nothing left to accept (ORD-7).
    pub fn ensure_confirmable_by_link(self) -> Result<(), StateError> {
        match self {
            OrderState::Open => Ok(()),
            _ => Err(self.refuse("confirming the order through a confirmation link".into())),
        }
    }

    pub(crate) fn refuse(self, action: String) -> StateError {
        StateError {
            action,
            current: self,
            allowed: self.allowed_next().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderState::*;

    #[test]
    fn the_documented_paths_are_allowed() {
        assert_eq!(Open.transition(Confirmed), Ok(Confirmed));
        assert_eq!(Confirmed.transition(Invoiced), Ok(Invoiced));
        assert_eq!(Confirmed.transition(Paid), Ok(Paid));
        assert_eq!(Paid.transition(Completed), Ok(Completed));
        assert_eq!(Invoiced.transition(Completed), Ok(Completed));
        assert_eq!(Open.transition(Cancelled), Ok(Cancelled));
        assert_eq!(Confirmed.transition(Cancelled), Ok(Cancelled));
    }

    #[test]
    fn refusals_name_the_current_and_allowed_states() {
        let error = Paid.transition(Open).expect_err("paid cannot reopen");
        assert_eq!(error.current, Paid);
        assert_eq!(error.allowed, vec![Completed]);
        assert!(error.to_string().contains("paid"), "{error}");
        assert!(Completed.transition(Cancelled).is_err());
        assert!(Open.transition(Consolidated).is_err());
    }

    #[test]
    fn only_open_orders_are_editable_and_delivery_until_confirmed() {
        assert!(Open.ensure_content_editable().is_ok());
        assert!(Confirmed.ensure_content_editable().is_err());
        assert!(Confirmed.ensure_delivery_editable().is_ok());
        assert!(Paid.ensure_delivery_editable().is_err());
        assert!(Confirmed.ensure_deletable().is_err());
    }

    #[test]
    fn only_open_orders_are_confirmed_through_a_link() {
        for state in OrderState::ALL {
            assert_eq!(
                state.ensure_confirmable_by_link().is_ok(),
                *state == Open,
                "{state}"
            );
        }
    }

    #[test]
    fn tags_and_language_change_in_every_state_but_consolidated() {
        for state in OrderState::ALL {
            assert_eq!(
                state.ensure_labels_editable().is_ok(),
                *state != Consolidated,
                "{state}"
            );
        }
    }

    #[test]
    fn invoices_need_a_confirmed_order_and_payments_an_agreed_one() {
        assert!(Confirmed.ensure_invoiceable().is_ok());
        for state in [Open, Invoiced, Paid, Completed, Cancelled, Consolidated] {
            assert!(state.ensure_invoiceable().is_err(), "{state}");
        }
        assert!(Open.ensure_payable().is_err());
        assert!(Cancelled.ensure_payable().is_err());
        assert!(Invoiced.ensure_payable().is_ok());
        assert!(Completed.ensure_payable().is_ok());
    }

    #[test]
    fn no_state_reaches_itself_and_terminal_states_have_no_exit() {
        for state in OrderState::ALL {
            assert!(!state.allowed_next().contains(state));
        }
        for state in [Completed, Cancelled, Consolidated] {
            assert!(state.allowed_next().is_empty());
        }
    }
}
