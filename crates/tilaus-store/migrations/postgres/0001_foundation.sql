-- The foundation schema (PostgreSQL). Keep in step with ../sqlite/0001_foundation.sql: a test
-- compares the two. Conventions: every primary key begins with shop_id (users are the one global
-- table); ids are UUIDv7 (uuid here, a 16-byte BLOB in SQLite); instants are BIGINT Unix microseconds
-- UTC; JSON is TEXT made in Rust; no triggers.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE shops (
    shop_id UUID NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    business_id TEXT,
    vat_id TEXT,
    address TEXT NOT NULL,
    iban TEXT,
    bic TEXT,
    default_currency TEXT NOT NULL,
    default_language TEXT NOT NULL,
    languages TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Per-shop numbers live in their own row, taken as late as possible in a transaction, and no
-- hot table references it (reference/performance.md, trap 3).
CREATE TABLE shop_counters (
    shop_id UUID NOT NULL PRIMARY KEY,
    last_order_number BIGINT NOT NULL,
    last_event_id BIGINT NOT NULL
);

CREATE TABLE users (
    user_id UUID NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email_key);

CREATE TABLE memberships (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    user_id UUID NOT NULL REFERENCES users (user_id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE api_tokens (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    token_id UUID NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (shop_id, token_id)
);

CREATE TABLE channels (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, code)
);

CREATE TABLE products (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    product_id UUID NOT NULL,
    sku TEXT NOT NULL,
    names TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_price BIGINT NOT NULL,
    vat_rate INTEGER NOT NULL,
    prices_include_vat BOOLEAN NOT NULL,
    purchase_process TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, product_id)
);
CREATE UNIQUE INDEX products_sku ON products (shop_id, sku);

CREATE TABLE customers (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    customer_id UUID NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    email_key TEXT,
    phone TEXT,
    business_id TEXT,
    vat_id TEXT,
    contact_person TEXT,
    language TEXT,
    billing_address TEXT,
    delivery_address TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, customer_id)
);
-- NULL keys are distinct on both backends, so customers without e-mail never collide.
CREATE UNIQUE INDEX customers_email_key ON customers (shop_id, email_key);

CREATE TABLE orders (
    shop_id UUID NOT NULL,
    order_id UUID NOT NULL,
    number BIGINT NOT NULL,
    channel TEXT NOT NULL,
    origin TEXT,
    external_id TEXT,
    language TEXT NOT NULL,
    currency TEXT NOT NULL,
    prices_include_vat BOOLEAN NOT NULL,
    customer_id UUID NOT NULL,
    customer_kind TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_email TEXT,
    customer_phone TEXT,
    customer_business_id TEXT,
    customer_vat_id TEXT,
    customer_contact_person TEXT,
    billing_address TEXT,
    delivery_address TEXT,
    state TEXT NOT NULL,
    payment_state TEXT NOT NULL,
    delivery_state TEXT NOT NULL,
    tags TEXT NOT NULL,
    net BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    gross BIGINT NOT NULL,
    vat_breakdown TEXT NOT NULL,
    line_count INTEGER NOT NULL,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (shop_id, order_id),
    FOREIGN KEY (shop_id, customer_id) REFERENCES customers (shop_id, customer_id),
    FOREIGN KEY (shop_id, channel) REFERENCES channels (shop_id, code)
);
CREATE UNIQUE INDEX orders_number ON orders (shop_id, number);
CREATE UNIQUE INDEX orders_channel_external_id ON orders (shop_id, channel, external_id);
CREATE INDEX orders_created ON orders (shop_id, created_at, order_id);
CREATE INDEX orders_state_created ON orders (shop_id, state, created_at, order_id);
CREATE INDEX orders_channel_created ON orders (shop_id, channel, created_at, order_id);
CREATE INDEX orders_customer ON orders (shop_id, customer_id);

CREATE TABLE order_lines (
    shop_id UUID NOT NULL,
    order_id UUID NOT NULL,
    position INTEGER NOT NULL,
    product_id UUID,
    sku TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    vat_rate INTEGER NOT NULL,
    discount BIGINT NOT NULL,
    total BIGINT NOT NULL,
    reservation_start BIGINT,
    reservation_end BIGINT,
    PRIMARY KEY (shop_id, order_id, position),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id) ON DELETE CASCADE
);

CREATE TABLE order_tags (
    shop_id UUID NOT NULL,
    order_id UUID NOT NULL,
    tag TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, order_id, tag),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id) ON DELETE CASCADE
);
CREATE INDEX order_tags_tag ON order_tags (shop_id, tag, created_at, order_id);

CREATE TABLE order_notes (
    shop_id UUID NOT NULL,
    order_id UUID NOT NULL,
    note_id UUID NOT NULL,
    body TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, order_id, note_id),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id) ON DELETE CASCADE
);

-- The order events outlive a deleted order (the audit trail), so no foreign key to orders.
CREATE TABLE order_events (
    shop_id UUID NOT NULL,
    event_id BIGINT NOT NULL,
    order_id UUID NOT NULL,
    kind TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, event_id)
);
CREATE INDEX order_events_order ON order_events (shop_id, order_id, event_id);

CREATE TABLE idempotency_keys (
    shop_id UUID NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Free-text search over order number, external id, customer name, e-mail, phone and tags
-- (PostgreSQL only: SQLite scans the bounded (shop_id, created_at) index instead).
CREATE INDEX orders_search_trgm ON orders USING gin (search_text gin_trgm_ops);
