-- Scheduled exports (NTF-6): orders and documents of each ended day, week or month mailed to
-- the shop's accountant. Keep in step with the other backend's 0025_export_schedules.sql.
CREATE TABLE export_schedules (
    shop_id BLOB NOT NULL REFERENCES shops (shop_id),
    schedule_id BLOB NOT NULL,
    recipient TEXT NOT NULL,
    frequency TEXT NOT NULL,
    -- csv or xlsx; NULL sends no order list.
    orders_format TEXT,
    documents BOOLEAN NOT NULL,
    language TEXT NOT NULL,
    -- The last day of the last period sent (YYYY-MM-DD).
    sent_up_to TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, schedule_id)
);

-- The scheduled export's question: the documents a shop issued in a period.
CREATE INDEX documents_issued ON documents (shop_id, issue_date);
