-- Deliveries (ORD-13) and notification rules (NTF-3). Keep in step with the other backend's
-- 0023_deliveries_rules.sql: a test compares the two.

-- The parcels and hand-overs of an order; step is processing, shipped or delivered. The
-- order's delivery_state follows from them.
CREATE TABLE deliveries (
    shop_id UUID NOT NULL,
    delivery_id UUID NOT NULL,
    order_id UUID NOT NULL,
    step TEXT NOT NULL,
    carrier TEXT,
    tracking_number TEXT,
    tracking_url TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    shipped_at BIGINT,
    delivered_at BIGINT,
    PRIMARY KEY (shop_id, delivery_id)
);
CREATE INDEX deliveries_order ON deliveries (shop_id, order_id, created_at);

-- A shop's notification rules and repeat window as the domain's JSON; no row means the
-- default rules.
CREATE TABLE notification_rules (
    shop_id UUID NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    rules TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The repeat window's question: the latest message of a kind about an order.
CREATE INDEX messages_order_kind ON messages (shop_id, order_id, kind, created_at);
