-- The shop example: customers, their addresses and orders, products; PII to mask in sync.
CREATE TABLE customers (
	id bigint PRIMARY KEY,
	email varchar(255) NOT NULL UNIQUE,
	full_name text NOT NULL,
	phone varchar(32),
	notes text,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE addresses (
	id bigint PRIMARY KEY,
	customer_id bigint NOT NULL REFERENCES customers (id),
	street text NOT NULL,
	city text NOT NULL
);
CREATE TABLE products (
	id int PRIMARY KEY,
	sku varchar(16) NOT NULL UNIQUE,
	title text NOT NULL,
	price numeric(10,2) NOT NULL
);
CREATE TABLE orders (
	id bigint PRIMARY KEY,
	customer_id bigint NOT NULL REFERENCES customers (id),
	contact_email varchar(255) NOT NULL,
	ordered_at timestamptz NOT NULL,
	meta jsonb
);
CREATE TABLE order_lines (
	order_id bigint NOT NULL REFERENCES orders (id),
	product_id int NOT NULL REFERENCES products (id),
	qty int NOT NULL,
	PRIMARY KEY (order_id, product_id)
);
