-- The shop's terms per language (fi, sv, en): a confirmation page shows them in the order's
-- language, else in the shop's. Existing terms become the shop's default language's.
-- Keep in step with ../postgres/0020_terms_languages.sql: a test compares the two.
CREATE TABLE shop_terms_by_language (
    shop_id BLOB NOT NULL REFERENCES shops (shop_id),
    language TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, language)
);
INSERT INTO shop_terms_by_language (shop_id, language, body, updated_at)
    SELECT t.shop_id, s.default_language, t.body, t.updated_at
    FROM shop_terms t JOIN shops s ON s.shop_id = t.shop_id;
DROP TABLE shop_terms;
ALTER TABLE shop_terms_by_language RENAME TO shop_terms;
