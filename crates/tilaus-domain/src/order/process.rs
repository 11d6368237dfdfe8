//! What happens next to an order (ORD-4, ORD-5): the purchase process its products ask for, the
//! step that process and the order's state lead to, and the actions staff can take now.
//!
//! Johku's rules, which merchants know: each product says how it is bought; consumers are sent
//! to pay at once, and only organisations are offered an invoice; a cart holding a product
//! sold only by quote or as an open order is not paid online until it has been agreed.

use super::{OrderState, PaymentState, PurchaseProcess, StateError};
use crate::customer::CustomerKind;
use crate::string_enum;

string_enum! {
    /// The one thing the order waits for.
    NextStep {
        /// The customer pays (a payment link, or payment at the counter).
        Pay = "pay",
        /// Staff issue an invoice.
        Invoice = "invoice",
        /// The order (a quote or a preliminary order) is agreed: staff confirm it, or the
        /// customer does through a confirmation link.
        Confirm = "confirm",
        /// The invoice is out; its payment is recorded when it arrives.
        AwaitPayment = "await_payment",
        /// Nothing: the order is paid, completed or cancelled.
        Nothing = "none",
    }
}

impl NextStep {
    /// The action that takes the step, if staff take it.
    pub fn action(self) -> Option<OrderAction> {
        match self {
            NextStep::Pay => Some(OrderAction::SendPaymentLink),
            NextStep::Invoice => Some(OrderAction::CreateInvoice),
            NextStep::Confirm => Some(OrderAction::SendConfirmationLink),
            NextStep::AwaitPayment => Some(OrderAction::RecordPayment),
            NextStep::Nothing => None,
        }
    }
}

string_enum! {
    /// What staff can do with the order now (the next-step buttons of ORD-4).
    OrderAction {
        SendConfirmationLink = "send_confirmation_link",
        SendPaymentLink = "send_payment_link",
        CreateInvoice = "create_invoice",
        RecordPayment = "record_payment",
    }
}

/// The order's process: the strictest of its lines' (a quote outranks an open order, which
/// outranks an invoice, which outranks paying now), and for a consumer an invoice becomes
/// paying now. An order without lines is paid now.
pub fn order_process(
    lines: impl IntoIterator<Item = PurchaseProcess>,
    customer: CustomerKind,
) -> PurchaseProcess {
    let strictest = lines
        .into_iter()
        .max_by_key(|p| strictness(*p))
        .unwrap_or(PurchaseProcess::PayNow);
    match (strictest, customer) {
        (PurchaseProcess::Invoice, CustomerKind::Consumer) => PurchaseProcess::PayNow,
        (process, _) => process,
    }
}

fn strictness(process: PurchaseProcess) -> u8 {
    match process {
        PurchaseProcess::PayNow => 0,
        PurchaseProcess::Invoice => 1,
        PurchaseProcess::OpenOrder => 2,
        PurchaseProcess::Quote => 3,
    }
}

/// A payment link is made for an open or confirmed order, but a quote only once it is agreed
/// (Johku hides online payment for a cart holding a quote).
pub fn ensure_payment_linkable(
    process: PurchaseProcess,
    state: OrderState,
) -> Result<(), StateError> {
    state.ensure_payment_linkable()?;
    if process == PurchaseProcess::Quote && state == OrderState::Open {
        return Err(state.refuse("taking payment for a quote before it is agreed".into()));
    }
    Ok(())
}

/// Where an order stands, as far as its next step depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub process: PurchaseProcess,
    pub customer: CustomerKind,
    pub state: OrderState,
    pub payment: PaymentState,
    /// A receipt, invoice or transfer slip exists (credit notes do not count).
    pub documented: bool,
}

impl Standing {
    /// The step the order waits for.
    pub fn next_step(&self) -> NextStep {
        use OrderState::*;
        if !self.owes_money() {
            return NextStep::Nothing;
        }
        match (self.state, self.process) {
            (Cancelled | Consolidated, _) => NextStep::Nothing,
            (Invoiced | Paid | Completed, _) => NextStep::AwaitPayment,
            (Open, PurchaseProcess::Quote | PurchaseProcess::OpenOrder) => NextStep::Confirm,
            (Open | Confirmed, PurchaseProcess::PayNow) => NextStep::Pay,
            // An invoice is issued for a confirmed order only.
            (Open, PurchaseProcess::Invoice) => NextStep::Confirm,
            (Confirmed, _) if self.documented => NextStep::AwaitPayment,
            (Confirmed, PurchaseProcess::Invoice) => NextStep::Invoice,
            // An agreed quote or open order is settled as its customer would buy.
            (Confirmed, _) => match self.customer {
                CustomerKind::Organisation => NextStep::Invoice,
                CustomerKind::Consumer => NextStep::Pay,
            },
        }
    }

    /// The actions the order's state allows now, each one the same rule its command checks,
    /// so that no button leads to a refusal.
    pub fn actions(&self) -> Vec<OrderAction> {
        let owes = self.owes_money();
        let mut actions = Vec::new();
        if self.state.ensure_confirmable_by_link().is_ok() {
            actions.push(OrderAction::SendConfirmationLink);
        }
        if owes && ensure_payment_linkable(self.process, self.state).is_ok() {
            actions.push(OrderAction::SendPaymentLink);
        }
        if !self.documented && self.state.ensure_invoiceable().is_ok() {
            actions.push(OrderAction::CreateInvoice);
        }
        if owes && self.state.ensure_payable().is_ok() {
            actions.push(OrderAction::RecordPayment);
        }
        actions
    }

    fn owes_money(&self) -> bool {
        matches!(
            self.payment,
            PaymentState::Unpaid | PaymentState::PartiallyPaid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerKind::{Consumer, Organisation};
    use PurchaseProcess::{Invoice, OpenOrder, PayNow, Quote};
    use proptest::prelude::*;

    fn standing(process: PurchaseProcess, customer: CustomerKind, state: OrderState) -> Standing {
        Standing {
            process,
            customer,
            state,
            payment: PaymentState::Unpaid,
            documented: false,
        }
    }

    #[test]
    fn the_strictest_line_decides_and_consumers_are_not_invoiced() {
        assert_eq!(order_process([], Organisation), PayNow);
        assert_eq!(order_process([PayNow, Invoice], Organisation), Invoice);
        assert_eq!(order_process([PayNow, Invoice], Consumer), PayNow);
        assert_eq!(order_process([Invoice, OpenOrder], Consumer), OpenOrder);
        assert_eq!(order_process([Quote, OpenOrder, PayNow], Consumer), Quote);
    }

    #[test]
    fn consumers_pay_and_organisations_are_invoiced() {
        let web = standing(PayNow, Consumer, OrderState::Confirmed);
        assert_eq!(web.next_step(), NextStep::Pay);
        let firm = standing(Invoice, Organisation, OrderState::Confirmed);
        assert_eq!(firm.next_step(), NextStep::Invoice);
        let unconfirmed = standing(Invoice, Organisation, OrderState::Open);
        assert_eq!(unconfirmed.next_step(), NextStep::Confirm);
    }

    #[test]
    fn a_quote_is_agreed_before_it_is_paid() {
        let quote = standing(Quote, Consumer, OrderState::Open);
        assert_eq!(quote.next_step(), NextStep::Confirm);
        assert_eq!(quote.actions(), [OrderAction::SendConfirmationLink]);
        let agreed = Standing {
            state: OrderState::Confirmed,
            ..quote
        };
        assert_eq!(agreed.next_step(), NextStep::Pay);
        assert_eq!(
            agreed.actions(),
            [
                OrderAction::SendPaymentLink,
                OrderAction::CreateInvoice,
                OrderAction::RecordPayment
            ]
        );
        let firm = Standing {
            customer: Organisation,
            ..agreed
        };
        assert_eq!(firm.next_step(), NextStep::Invoice);
    }

    #[test]
    fn an_open_order_can_be_linked_for_payment_before_it_is_confirmed() {
        let open = standing(OpenOrder, Consumer, OrderState::Open);
        assert_eq!(
            open.actions(),
            [
                OrderAction::SendConfirmationLink,
                OrderAction::SendPaymentLink
            ]
        );
    }

    #[test]
    fn invoiced_orders_wait_for_money_and_paid_ones_for_nothing() {
        let invoiced = Standing {
            documented: true,
            ..standing(Invoice, Organisation, OrderState::Invoiced)
        };
        assert_eq!(invoiced.next_step(), NextStep::AwaitPayment);
        assert_eq!(invoiced.actions(), [OrderAction::RecordPayment]);
        let paid = Standing {
            payment: PaymentState::Paid,
            ..invoiced
        };
        assert_eq!(paid.next_step(), NextStep::Nothing);
        assert!(paid.actions().is_empty());
        let cancelled = standing(PayNow, Consumer, OrderState::Cancelled);
        assert_eq!(cancelled.next_step(), NextStep::Nothing);
        assert!(cancelled.actions().is_empty());
    }

    fn any_standing() -> impl Strategy<Value = Standing> {
        (
            prop::sample::select(PurchaseProcess::ALL),
            prop::sample::select(CustomerKind::ALL),
            prop::sample::select(OrderState::ALL),
            prop::sample::select(PaymentState::ALL),
            any::<bool>(),
        )
            .prop_map(|(process, customer, state, payment, documented)| Standing {
                process,
                customer,
                state,
                payment,
                documented,
            })
    }

    proptest! {
        /// The step is always one the order's actions can take, so a merchant is never told to
        /// do what the order refuses; an order that waits for nothing takes no money.
        #[test]
        fn the_next_step_is_always_actionable(s in any_standing()) {
            let actions = s.actions();
            match s.next_step().action() {
                Some(action) => prop_assert!(actions.contains(&action), "{s:?}: {actions:?}"),
                None => prop_assert!(
                    !actions.contains(&OrderAction::SendPaymentLink)
                        && !actions.contains(&OrderAction::RecordPayment),
                    "{s:?}: {actions:?}"
                ),
            }
        }
    }
}
