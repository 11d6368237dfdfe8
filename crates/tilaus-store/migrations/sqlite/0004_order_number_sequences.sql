-- Nothing changes on SQLite: its one writer already serialises transactions, so order numbers
-- keep coming from shop_counters.last_order_number. PostgreSQL moves them to per-shop sequences
-- (see ../postgres/0004_order_number_sequences.sql).
SELECT 1;
