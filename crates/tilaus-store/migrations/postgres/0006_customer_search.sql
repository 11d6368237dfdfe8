-- Customers become searchable (CUS-1: find the customer of a phone or counter sale by name,
-- e-mail, phone or business id) and listable newest first with keyset paging; a customer's
-- orders are read newest first through their own index. Keep in step with
-- ../sqlite/0006_customer_search.sql.
--
-- search_text is the case-folded text the search matches, written by the application with every
-- customer; the backfill folds it the same way.

ALTER TABLE customers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE customers SET search_text = lower(
    name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' ||
    coalesce(business_id, '') || ' ' || coalesce(vat_id, '') || ' ' || coalesce(contact_person, ''));
CREATE INDEX customers_created ON customers (shop_id, created_at, customer_id);
-- Rare fragments (an e-mail, a business id) are found through trigrams instead of a long walk.
CREATE INDEX customers_search_trgm ON customers USING gin (search_text gin_trgm_ops);

DROP INDEX orders_customer;
CREATE INDEX orders_customer_created ON orders (shop_id, customer_id, created_at, order_id);
