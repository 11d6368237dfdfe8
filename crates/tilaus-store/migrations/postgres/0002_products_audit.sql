-- Products get a search key and the shop-wide audit trail arrives (PLAT: every write records
-- who did it). Keep in step with ../sqlite/0002_products_audit.sql.

ALTER TABLE products ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- Writes outside orders (orders have their own events): products, tokens, channels, members.
CREATE TABLE audit_log (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    audit_id UUID NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id UUID,
    actor_label TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, audit_id)
);
