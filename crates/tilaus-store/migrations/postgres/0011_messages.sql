-- The communication log (issue 6, ORD-14): every message as it was sent, with its state.
-- Keep in step with ../sqlite/0011_messages.sql: a test compares the two.
--
-- Attempts are not a table of their own: each message is sent by one job, and the job's attempts
-- (job_attempts: time, outcome, error) are the record of every try. A message keeps the job's id
-- and counts the SMTP conversations it started, so that the log reads without a join into the
-- coordinator-local job tables.

CREATE TABLE messages (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    message_id UUID NOT NULL,
    -- No foreign keys to orders or customers: an open order may be deleted, and the log of
    -- what was sent about it must stay.
    order_id UUID,
    customer_id UUID,
    -- What the message is about, e.g. order_received, order_confirmed, order_cancelled.
    kind TEXT NOT NULL,
    -- email (sms later).
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    -- The language the message was written in; fallback_from is the order's language when the
    -- shop had no template in it and its default language was used instead.
    language TEXT NOT NULL,
    fallback_from TEXT,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- queued, sending, sent, delivered or failed.
    state TEXT NOT NULL,
    -- The SMTP Message-ID (stable across attempts) once the message is built for sending.
    provider_id TEXT,
    failure_reason TEXT,
    -- A message sent again points at the one it repeats.
    resend_of UUID,
    -- The job that sends it, and how many times sending was tried.
    job_id UUID,
    attempts INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (shop_id, message_id)
);
CREATE INDEX messages_order ON messages (shop_id, order_id, created_at);

-- A shop's messaging choices. A shop without a row sends automatic email and has no reply-to.
CREATE TABLE message_settings (
    shop_id UUID NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    automatic_email BOOLEAN NOT NULL,
    -- Where customers' replies go (the shop's own mailbox); the sender is the installation's.
    reply_to TEXT,
    updated_at BIGINT NOT NULL
);
