-- Refunds as their own records: each asks the provider to give back part of a payment.
-- Card refunds are done at once (refunded); Visma Pay returns bank payments through a link it
-- emails to the customer, so such a refund stays pending until its signed refund notify says
-- refunded or rejected. Pending refunds count against what is left to refund. Keep in step with
-- the other backend's 0028_payment_refunds.sql.
CREATE TABLE payment_refunds (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    refund_id UUID NOT NULL,
    payment_id UUID NOT NULL,
    amount BIGINT NOT NULL,
    provider TEXT NOT NULL,
    provider_refund_id TEXT NOT NULL,
    status TEXT NOT NULL,
    actor_label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, refund_id)
);
CREATE UNIQUE INDEX payment_refunds_provider ON payment_refunds (shop_id, provider, provider_refund_id);
CREATE INDEX payment_refunds_payment ON payment_refunds (shop_id, payment_id);
