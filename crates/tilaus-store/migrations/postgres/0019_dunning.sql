-- Payment reminders for overdue invoices (NTF-5). Keep in step with the other backend's
-- 0019_dunning.sql: a test compares the two.

-- A shop's reminder policy; no row means reminders are off. levels is the domain's JSON list
-- of {days_overdue, fee}.
CREATE TABLE dunning_settings (
    shop_id UUID NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    enabled BOOLEAN NOT NULL,
    grace_days BIGINT NOT NULL,
    levels TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per reminder level sent for an invoice: the key makes the daily run send each level
-- once, however often it runs or races.
CREATE TABLE invoice_reminders (
    shop_id UUID NOT NULL,
    document_id UUID NOT NULL,
    level INTEGER NOT NULL,
    message_id UUID,
    fee BIGINT NOT NULL,
    sent_on TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, document_id, level)
);

-- A dunning stop on one invoice or on every invoice of one customer (exactly one of the two).
CREATE TABLE dunning_stops (
    shop_id UUID NOT NULL,
    stop_id UUID NOT NULL,
    document_id UUID,
    customer_id UUID,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, stop_id)
);
CREATE UNIQUE INDEX dunning_stops_document ON dunning_stops (shop_id, document_id);
CREATE UNIQUE INDEX dunning_stops_customer ON dunning_stops (shop_id, customer_id);

-- The daily run's question: this shop's invoices due by a date.
CREATE INDEX documents_due ON documents (shop_id, kind, due_date);
