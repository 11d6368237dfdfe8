-- Payment links (ORD-6) paid through a provider, and the shop's provider credentials.
-- Keep in step with ../sqlite/0010_payment_links.sql: a test compares the two.

-- A shop's credentials for one provider, sealed (XChaCha20-Poly1305 under TILAUS_SECRET_KEY,
-- bound to the shop and field); only the last four characters are kept readable, for display.
CREATE TABLE payment_providers (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    -- vismapay
    provider TEXT NOT NULL,
    api_key_sealed TEXT NOT NULL,
    private_key_sealed TEXT NOT NULL,
    api_key_last4 TEXT NOT NULL,
    private_key_last4 TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, provider)
);

-- A link a customer pays an order through, at /pay/{token}. Only the token's SHA-256 is kept;
-- the token carries the shop and link ids (like API tokens), so lookups stay within the shop.
CREATE TABLE payment_links (
    shop_id UUID NOT NULL,
    link_id UUID NOT NULL,
    order_id UUID NOT NULL,
    token_hash TEXT NOT NULL,
    -- SHA-256 of the order content (lines and totals) the link was made for: a link whose order
    -- changed since takes no money.
    fingerprint TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, link_id),
    FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, order_id)
);
CREATE INDEX payment_links_order ON payment_links (shop_id, order_id);

-- Each attempt to pay a link at the provider: the payment it recorded and the order number the
-- provider knows it by (callbacks carry that number; the notify URL carries the shop).
CREATE TABLE payment_link_attempts (
    shop_id UUID NOT NULL,
    payment_id UUID NOT NULL,
    link_id UUID NOT NULL,
    provider TEXT NOT NULL,
    provider_order_number TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, payment_id),
    FOREIGN KEY (shop_id, payment_id) REFERENCES payments (shop_id, payment_id),
    FOREIGN KEY (shop_id, link_id) REFERENCES payment_links (shop_id, link_id)
);
CREATE UNIQUE INDEX payment_link_attempts_number
    ON payment_link_attempts (shop_id, provider, provider_order_number);
CREATE INDEX payment_link_attempts_link ON payment_link_attempts (shop_id, link_id, created_at);
