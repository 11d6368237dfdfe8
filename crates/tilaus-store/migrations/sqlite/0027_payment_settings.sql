-- The ways of paying a shop accepts (payment methods per shop): a JSON array of names such as
-- "visma_pay", "invoice", "cash". No row means every way. Keep in step with the other backend's
-- 0027_payment_settings.sql.
CREATE TABLE payment_settings (
    shop_id BLOB NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    accepted TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
