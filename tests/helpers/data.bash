# data.bash: a small source schema with every type the data stream must round-trip, for 15x/55x tests.

# types_schema URL: the tables (no rows).
types_schema() {
	psql "$1" -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, name text, note text);
CREATE TABLE orders (
	id serial PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric(12,4),
	at timestamptz, day date, span interval, ratio float8, data bytea, tags text[],
	grid int[], doc jsonb, j json, code varchar(10) DEFAULT '', u uuid, addr inet,
	flag boolean, total2 numeric GENERATED ALWAYS AS (total * 2) STORED);
CREATE TABLE items (id int PRIMARY KEY, order_id int NOT NULL REFERENCES orders (id), parent int REFERENCES items (id));
SQL
}

# types_rows URL: rows with the awkward values.
types_rows() {
	psql "$1" -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO users VALUES
	(1, 'a@x.org', E'Al "q" \\ b', E'line1\nline2\ttab\rcr'),
	(2, 'b@x.org', '', NULL),
	(3, 'c@x.org', 'émoji 🎉 ünï', E'\\N literal'),
	(4, 'd@x.org', E'ctl\x01\x1f', '\.');
INSERT INTO orders (user_id, total, at, day, span, ratio, data, tags, grid, doc, j, code, u, addr, flag) VALUES
	(1, 123.4500, '2026-01-01 12:00:00.123456+02', '2026-02-28', '1 year 2 mons 3 days 04:05:06.5',
	 0.1::float8 + 0.2::float8, '\x00ff105c0a'::bytea, '{"a b",NULL,"c\"d","",x}', '{{1,2},{3,4}}',
	 '{"k": [1, 2.50, "x\ny"], "u": "\u00e9"}', '{ "sp" :  1 , "sp" : 2 }', NULL,
	 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.1.2.3/16', true),
	(2, -0.0001, NULL, NULL, NULL, 'NaN', '', '{}', NULL, 'null', 'null', '', NULL, NULL, false),
	(3, 99999999.9999, '-infinity', 'infinity', '-1 days', 1e-300, NULL, NULL, NULL, '"s"', '[]', 'ten chars.', NULL, '::1', NULL);
INSERT INTO items VALUES (1, 1, NULL), (2, 1, 1), (3, 2, 2);
SQL
}

# dump URL TABLE: the table's rows as COPY text, sorted, for comparing databases.
dump() {
	psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "COPY (SELECT * FROM $2 ORDER BY 1) TO STDOUT"
}
