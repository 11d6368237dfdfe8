//! Messages to customers (issue 6): their kinds, channels and states, and the first rules that
//! decide which order events send one.

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
/// change to confirmed or cancelled says so. `new_state` is the state a state change moved to.
pub fn automatic_for(event: EventKind, new_state: Option<OrderState>) -> Option<MessageKind> {
    match (event, new_state) {
        (EventKind::OrderCreated, _) => Some(MessageKind::OrderReceived),
        (EventKind::OrderStateChanged, Some(OrderState::Confirmed)) => {
            Some(MessageKind::OrderConfirmed)
        }
        (EventKind::OrderStateChanged, Some(OrderState::Cancelled)) => {
            Some(MessageKind::OrderCancelled)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_confirmed_and_cancelled_orders_send_automatically() {
        assert_eq!(
            automatic_for(EventKind::OrderCreated, None),
            Some(MessageKind::OrderReceived)
        );
        assert_eq!(
            automatic_for(EventKind::OrderStateChanged, Some(OrderState::Confirmed)),
            Some(MessageKind::OrderConfirmed)
        );
        assert_eq!(
            automatic_for(EventKind::OrderStateChanged, Some(OrderState::Cancelled)),
            Some(MessageKind::OrderCancelled)
        );
        assert_eq!(
            automatic_for(EventKind::OrderStateChanged, Some(OrderState::Completed)),
            None
        );
        for kind in [
            EventKind::OrderUpdated,
            EventKind::NoteAdded,
            EventKind::PaymentRecorded,
        ] {
            assert_eq!(automatic_for(kind, Some(OrderState::Confirmed)), None);
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
