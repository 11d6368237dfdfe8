-- A shop's event ids are no longer taken inside the writing transaction. Taking them there meant
-- holding the shop's counter row from the event until COMMIT, fsync included, so one shop's
-- orders committed one at a time and PostgreSQL's group commit never helped (on the 2-core
-- bench machine: about 450-620 commits/s with the counter, about 1,550/s without it).
--
-- Now an event is written without an id, under a database-wide sequence number (`seq`, drawn at
-- insert). After commit, a sequencer (tilaus_store::dialect::sequence_events) gives the
-- committed unnumbered events the shop's next ids in `seq` order, one batch per transaction,
-- under an advisory lock. Ids still only ever grow in what readers can see, so the live list
-- resumes by Last-Event-ID without missing events; and an event that waited for another
-- transaction's commit (the order's row lock) draws a larger `seq` and so a larger id.
-- Keep in step with ../sqlite/0029_event_sequencing.sql.

CREATE SEQUENCE order_event_seq;
ALTER TABLE order_events ADD COLUMN seq BIGINT;
UPDATE order_events SET seq = nextval('order_event_seq');
ALTER TABLE order_events
    ALTER COLUMN seq SET DEFAULT nextval('order_event_seq'),
    ALTER COLUMN seq SET NOT NULL,
    DROP CONSTRAINT order_events_pkey,
    ALTER COLUMN event_id DROP NOT NULL,
    ADD PRIMARY KEY (seq);
ALTER SEQUENCE order_event_seq OWNED BY order_events.seq;
CREATE UNIQUE INDEX order_events_shop_event ON order_events (shop_id, event_id);
-- What the sequencer reads: only the few events waiting for their id.
CREATE INDEX order_events_unsequenced ON order_events (seq) WHERE event_id IS NULL;
