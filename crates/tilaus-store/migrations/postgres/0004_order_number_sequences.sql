-- Order numbers on PostgreSQL come from one sequence per shop. nextval never waits for another
-- transaction, so concurrent orders of one shop no longer queue on the shop_counters row from
-- the moment they take their number until they commit (reference/performance.md, trap 3); only
-- the event id, taken just before COMMIT, still serialises them. A rolled-back order leaves a
-- gap in the numbers, which is harmless: orders are not documents (documents stay gap-free).
-- shop_counters.last_order_number is no longer advanced here (SQLite still uses it).
-- Keep in step with ../sqlite/0004_order_number_sequences.sql.

CREATE FUNCTION tilaus_create_order_numbers(shop UUID, after BIGINT) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s',
                   'order_no_' || replace(shop::text, '-', ''), after + 1);
END
$$;

SELECT tilaus_create_order_numbers(shop_id, last_order_number) FROM shop_counters;
