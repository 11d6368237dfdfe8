-- A shop's look: accent colour and logo on documents, mail and the customer's pages. No row
-- means the default accent and no logo. Keep in step with the other backend's
-- 0026_shop_brands.sql.
CREATE TABLE shop_brands (
    shop_id UUID NOT NULL PRIMARY KEY REFERENCES shops (shop_id),
    accent_colour TEXT NOT NULL,
    logo BYTEA,
    -- png or svg, with the logo.
    logo_format TEXT,
    updated_at BIGINT NOT NULL
);
