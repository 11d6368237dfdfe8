-- How each line's product is bought (ORD-5), kept with the line as it was when ordered: the
-- order's next step (pay, invoice, agree a quote or open order) follows from its lines, and a
-- later change to the product must not change what was agreed. Earlier lines were all paid now.
ALTER TABLE order_lines ADD COLUMN purchase_process TEXT NOT NULL DEFAULT 'pay_now';
