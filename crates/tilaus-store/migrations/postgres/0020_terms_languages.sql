-- The shop's terms per language (fi, sv, en): a confirmation page shows them in the order's
-- language, else in the shop's. Existing terms become the shop's default language's.
-- Keep in step with ../sqlite/0020_terms_languages.sql: a test compares the two.
ALTER TABLE shop_terms ADD COLUMN language TEXT;
UPDATE shop_terms t SET language = s.default_language FROM shops s WHERE s.shop_id = t.shop_id;
ALTER TABLE shop_terms ALTER COLUMN language SET NOT NULL;
ALTER TABLE shop_terms DROP CONSTRAINT shop_terms_pkey;
ALTER TABLE shop_terms ADD PRIMARY KEY (shop_id, language);
