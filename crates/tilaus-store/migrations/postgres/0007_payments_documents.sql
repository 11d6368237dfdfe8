-- Payments as records, gap-free document series and immutable documents (PostgreSQL). Keep in
-- step with ../sqlite/0007_payments_documents.sql: a test compares the two.
--
-- Documents are never updated or deleted: the store has no statement that would, and issued
-- content is a JSON snapshot. There is deliberately no refusing trigger: the schema stays free of
-- triggers so that it can be distributed by shop (ARCHITECTURE.md, Storage).

-- A shop's invoicing terms; the seller details themselves (business id, VAT id, IBAN, BIC) are on
-- shops. A shop without a row invoices on the default terms (14 days, statutory late interest).
CREATE TABLE shop_invoicing (
    shop_id UUID NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    payment_terms_days INTEGER NOT NULL,
    -- Basis points of an agreed late-payment interest; NULL means the statutory rate.
    late_interest INTEGER,
    updated_at BIGINT NOT NULL
);

-- One numbering series per shop and document kind. The row is locked by
-- UPDATE … RETURNING inside the issuing transaction, as late as possible: a rolled-back issue
-- gives its number back, and concurrent issues queue here (a sequence would leave gaps).
CREATE TABLE document_series (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    kind TEXT NOT NULL,
    prefix TEXT NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (shop_id, kind)
);

CREATE TABLE documents (
    shop_id UUID NOT NULL,
    document_id UUID NOT NULL,
    order_id UUID NOT NULL,
    kind TEXT NOT NULL,
    number BIGINT NOT NULL,
    -- The series prefix and the number, as printed: the document's sequential identifier.
    display_number TEXT NOT NULL,
    -- The national reference number (machine form) of invoices and transfer slips.
    reference TEXT,
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT,
    -- On credit notes: the receipt or invoice they correct.
    credits_document_id UUID,
    -- The domain's DocumentContent: everything the document says, frozen at issue.
    content TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, document_id),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id)
);
CREATE UNIQUE INDEX documents_number ON documents (shop_id, kind, number);
-- NULL references (receipts, credit notes) are distinct on both backends.
CREATE UNIQUE INDEX documents_reference ON documents (shop_id, reference);
CREATE INDEX documents_order ON documents (shop_id, order_id, created_at);
CREATE INDEX documents_credits ON documents (shop_id, credits_document_id);

CREATE TABLE payments (
    shop_id UUID NOT NULL,
    payment_id UUID NOT NULL,
    order_id UUID NOT NULL,
    -- The invoice or transfer slip the payment settles, when known.
    document_id UUID,
    method TEXT NOT NULL,
    -- Who moved the money (visma_pay, stripe, a POS's own provider…); NULL for manual payments.
    provider TEXT,
    provider_reference TEXT,
    -- A reference the payer gave, e.g. the reference number on a bank statement.
    reference TEXT,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    currency TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, payment_id),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id)
);
CREATE INDEX payments_order ON payments (shop_id, order_id, created_at);
