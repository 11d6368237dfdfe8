//! Messages to customers (issue 6): their kinds, channels and states. Which events send them is
//! in [`crate::rules`].

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
        /// Work on the order's delivery began.
        OrderProcessing = "order_processing",
        /// A delivery left: carrier, tracking link and the order's document.
        OrderShipped = "order_shipped",
        OrderDelivered = "order_delivered",
        /// The order is late: the date now expected and why.
        OrderDelayed = "order_delayed",
        /// The order is paid in full, with the receipt when there is one.
        PaymentReceived = "payment_received",
        /// The shop's orders and documents of a period, to its accountant (NTF-6).
        ScheduledExport = "scheduled_export",
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

#[cfg(test)]
mod tests {
    use super::*;

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
