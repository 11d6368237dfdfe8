-- The same table as PostgreSQL's (see ../postgres/0029_event_sequencing.sql). SQLite's single
-- writer serialises transactions anyway, so it keeps numbering events inside the writing
-- transaction from the shop's counter row and never leaves one unnumbered; `seq` is the rowid.

CREATE TABLE order_events_sequenced (
    seq INTEGER PRIMARY KEY,
    shop_id BLOB NOT NULL,
    event_id BIGINT,
    order_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BLOB,
    actor_label TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO order_events_sequenced
    (shop_id, event_id, order_id, kind, actor_kind, actor_id, actor_label, data, created_at)
SELECT shop_id, event_id, order_id, kind, actor_kind, actor_id, actor_label, data, created_at
FROM order_events ORDER BY shop_id, event_id;
DROP TABLE order_events;
ALTER TABLE order_events_sequenced RENAME TO order_events;
CREATE UNIQUE INDEX order_events_shop_event ON order_events (shop_id, event_id);
CREATE INDEX order_events_order ON order_events (shop_id, order_id, event_id);
CREATE INDEX order_events_unsequenced ON order_events (seq) WHERE event_id IS NULL;
