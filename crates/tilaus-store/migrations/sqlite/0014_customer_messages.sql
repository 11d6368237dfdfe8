-- A customer's messages across their orders (CUS-7), newest first on the customer page.
CREATE INDEX messages_customer ON messages (shop_id, customer_id, created_at);
