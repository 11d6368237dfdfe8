//! Messages to customers (issue 6): their kinds, channels and states, and the first rules that
//! decide which order events send one.

use crate::document::DocumentKind;
use crate::event::EventKind;
use crate::order::OrderState;
use crate::string_enum;

string_enum! {
    /// What a message tells the customer; each kind has its templates.
    MessageKind {
        OrderReceived = "order_received",
        OrderConfirmed = "order_confirmed",
        OrderCancelled = "order_cancelled",
        /// Written by staff to one customer, in their own words.
        Personal = "personal",
        /// A payment reminder for an overdue invoice (NTF-5), one per level.
        InvoiceReminder = "invoice_reminder",
        /// The order's invoice, with its PDF and how to pay it.
        InvoiceIssued = "invoice_issued",
    }
}

string_enum! {
    /// How a message travels.
    Channel {
        Email = "email",
        Sms = "sms",
    }
}

string_enum! {
    /// Where a message is: `queued` until its job sends it, `sending` during an SMTP
    /// conversation (or after a crash in one), `sent` once the server accepted it, `delivered`
    /// where a provider reports delivery, `failed` with a reason when it never will be.
    MessageState {
        Queued = "queued",
        Sending = "sending",
        Sent = "sent",
        Delivered = "delivered",
        Failed = "failed",
    }
}

impl MessageState {
    /// Sent, delivered and failed messages are finished: sending again would repeat them.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MessageState::Sent | MessageState::Delivered | MessageState::Failed
        )
    }
}

/// The message an order event sends automatically, if any: a new order is received; a state
/// change to confirmed or cancelled says so; an issued invoice goes to the customer. `new_state`
/// is the state a state change moved to, `document` the kind of an issued document.
pub fn automatic_for(
    event: EventKind,
    new_state: Option<OrderState>,
    document: Option<DocumentKind>,
) -> Option<MessageKind> {
    match (event, new_state, document) {
        (EventKind::OrderCreated, _, _) => Some(MessageKind::OrderReceived),
        (EventKind::OrderStateChanged, Some(OrderState::Confirmed), _) => {
            Some(MessageKind::OrderConfirmed)
        }
        (EventKind::OrderStateChanged, Some(OrderState::Cancelled), _) => {
            Some(MessageKind::OrderCancelled)
        }
        (EventKind::DocumentIssued, _, Some(DocumentKind::Invoice)) => {
            Some(MessageKind::InvoiceIssued)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_invoices_and_no_other_documents_send_automatically() {
        use DocumentKind::*;
        let issued = |kind| automatic_for(EventKind::DocumentIssued, None, Some(kind));
        assert_eq!(issued(Invoice), Some(MessageKind::InvoiceIssued));
        for kind in [Receipt, CreditNote, TransferSlip] {
            assert_eq!(issued(kind), None, "{kind}");
        }
    }

    #[test]
    fn only_new_confirmed_and_cancelled_orders_send_automatically() {
        assert_eq!(
            automatic_for(EventKind::OrderCreated, None, None),
            Some(MessageKind::OrderReceived)
        );
        assert_eq!(
            automatic_for(
                EventKind::OrderStateChanged,
                Some(OrderState::Confirmed),
                None
            ),
            Some(MessageKind::OrderConfirmed)
        );
        assert_eq!(
            automatic_for(
                EventKind::OrderStateChanged,
                Some(OrderState::Cancelled),
                None
            ),
            Some(MessageKind::OrderCancelled)
        );
        assert_eq!(
            automatic_for(
                EventKind::OrderStateChanged,
                Some(OrderState::Completed),
                None
            ),
            None
        );
        for kind in [
            EventKind::OrderUpdated,
            EventKind::NoteAdded,
            EventKind::PaymentRecorded,
        ] {
            assert_eq!(automatic_for(kind, Some(OrderState::Confirmed), None), None);
        }
    }

    #[test]
    fn only_sent_delivered_and_failed_are_final() {
        let finals: Vec<_> = MessageState::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            [
                &MessageState::Sent,
                &MessageState::Delivered,
                &MessageState::Failed
            ]
        );
    }
}
