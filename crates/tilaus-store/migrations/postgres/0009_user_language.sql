-- The admin UI language each user chose (fi, sv, en), so that it follows them to every
-- browser; NULL until they choose, when the browser's language decides.
ALTER TABLE users ADD COLUMN ui_language TEXT;
