-- A shop's own message templates (NTF-4): per message kind, channel and language, replacing the
-- shipped default. No row means the default is used.
CREATE TABLE message_templates (
    shop_id BLOB NOT NULL REFERENCES shops (shop_id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, kind, channel, language)
);
