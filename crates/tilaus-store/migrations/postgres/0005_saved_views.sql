-- Saved views and highlight rules of the order list (ORD-9, CUS-11). Keep in step with
-- ../sqlite/0005_saved_views.sql: a test compares the two.
--
-- Both belong to one user in one shop; highlight rules may be shared with the shop's other
-- users. user_id points at the global users table (a reference table on Citus), shop_id leads
-- every key.

-- A name and the list's filters as its canonical query string (e.g. "channel=web&created=today").
CREATE TABLE saved_views (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    view_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users (user_id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, view_id)
);
-- One name per user; also the index of "my views".
CREATE UNIQUE INDEX saved_views_user_name ON saved_views (shop_id, user_id, name);

-- field / condition / value as the domain's Criterion spells them; colour and icon may each be
-- NULL but not both (checked by the domain).
CREATE TABLE highlight_rules (
    shop_id UUID NOT NULL REFERENCES shops (shop_id),
    rule_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users (user_id),
    shared BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    field TEXT NOT NULL,
    condition TEXT NOT NULL,
    value TEXT NOT NULL,
    colour TEXT,
    icon TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, rule_id)
);
CREATE INDEX highlight_rules_user ON highlight_rules (shop_id, user_id);
