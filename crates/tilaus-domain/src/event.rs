//! What happened to an order: the kinds of events every change appends.

use crate::string_enum;

string_enum! {
    /// The kind of an order event. The history tab, live views, webhooks and notification rules
    /// all read these, so the spellings are part of the public API.
    EventKind {
        OrderCreated = "order.created",
        OrderUpdated = "order.updated",
        OrderStateChanged = "order.state_changed",
        OrderDeleted = "order.deleted",
        NoteAdded = "order.note_added",
        DeliveryDetailsChanged = "order.delivery_details_changed",
        /// Tags or the order's language changed (allowed in every state).
        LabelsChanged = "order.labels_changed",
        /// A payment was recorded on the order (manually, with the order, or by a provider).
        PaymentRecorded = "order.payment_recorded",
        /// Money of a payment went back to the customer (all of it or part).
        PaymentRefunded = "order.payment_refunded",
        /// A refund was asked of the provider that the customer completes later (Visma Pay
        /// emails them a link for a bank payment); the money moves when it reports.
        RefundRequested = "order.refund_requested",
        /// The provider reported a requested refund was not made.
        RefundRejected = "order.refund_rejected",
        /// A receipt, invoice, credit note or transfer slip was issued for the order.
        DocumentIssued = "order.document_issued",
        /// Staff wrote a message to the customer themselves.
        MessageWritten = "order.message_written",
        /// A payment reminder for an overdue invoice went out (NTF-5).
        ReminderSent = "order.reminder_sent",
        /// Work on a delivery of the order began.
        DeliveryProcessing = "order.processing",
        /// A delivery left, with its carrier and tracking.
        DeliveryShipped = "order.shipped",
        /// A delivery reached the customer.
        DeliveryDelivered = "order.delivered",
        /// Staff told the customer the order is late, with the date they now expect.
        DelayNotified = "order.delay_notified",
    }
}
