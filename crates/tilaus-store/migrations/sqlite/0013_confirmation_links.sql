-- Confirmation links (ORD-7): an organisation confirms an open order's content and the shop's
-- terms at /confirm/{token}; what they confirmed is kept, exactly, with its SHA-256.
-- Keep in step with ../postgres/0013_confirmation_links.sql: a test compares the two.

-- The shop's terms, shown on confirmation pages and kept in each confirmed snapshot. A shop
-- without a row has no terms to show.
CREATE TABLE shop_terms (
    shop_id BLOB NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Like payment_links: only the token's SHA-256 is kept, and the token carries the shop and link
-- ids. Deleting an open order takes its unused links with it (a used one has confirmed the
-- order, which can no longer be deleted).
CREATE TABLE confirmation_links (
    shop_id BLOB NOT NULL,
    link_id BLOB NOT NULL,
    order_id BLOB NOT NULL,
    token_hash TEXT NOT NULL,
    -- SHA-256 of the order content the link was made for: a changed order is not confirmed.
    fingerprint TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BLOB,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, link_id),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id) ON DELETE CASCADE
);
CREATE INDEX confirmation_links_order ON confirmation_links (shop_id, order_id);

-- What was confirmed: the page's content as canonical JSON (the snapshot) and its SHA-256, who
-- (name, title), when, from where (IP address, user agent). The order content's fingerprint at
-- that moment tells later whether the confirmation still holds.
CREATE TABLE order_confirmations (
    shop_id BLOB NOT NULL,
    confirmation_id BLOB NOT NULL,
    order_id BLOB NOT NULL,
    link_id BLOB NOT NULL,
    name TEXT NOT NULL,
    title TEXT,
    snapshot TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    ip_address TEXT,
    user_agent TEXT,
    confirmed_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, confirmation_id),
    FOREIGN KEY (shop_id, link_id) REFERENCES confirmation_links (shop_id, link_id)
);
-- One confirmation per link, also when two submits race.
CREATE UNIQUE INDEX order_confirmations_link ON order_confirmations (shop_id, link_id);
CREATE INDEX order_confirmations_order ON order_confirmations (shop_id, order_id, confirmed_at);
