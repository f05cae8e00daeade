-- seed.sql: deterministic rows for the shop example (psql -f seed.sql); :n customers (default 200).
\if :{?n}
\else
\set n 200
\endif
INSERT INTO customers (id, email, full_name, phone, notes, created_at)
SELECT g, 'customer' || g || '@shop.example', 'Customer Number ' || g,
	'+33 6 ' || lpad((g * 7919 % 100000000)::text, 8, '0'),
	CASE WHEN g % 3 = 0 THEN NULL WHEN g % 3 = 1 THEN '' ELSE 'prefers evenings' END,
	timestamptz '2025-01-01 00:00:00+00' + g * interval '37 minutes'
FROM generate_series(1, :n) g;
INSERT INTO addresses SELECT g, g, g || ' Rue de la Paix', CASE WHEN g % 2 = 0 THEN 'Paris' ELSE 'Lyon' END
FROM generate_series(1, :n) g;
INSERT INTO products SELECT g, 'SKU-' || lpad(g::text, 5, '0'), 'Product ' || g, (g * 3.5)::numeric(10,2)
FROM generate_series(1, 20) g;
INSERT INTO orders SELECT g, (g % :n) + 1, 'customer' || ((g % :n) + 1) || '@shop.example',
	timestamptz '2025-06-01 00:00:00+00' + g * interval '1 hour',
	jsonb_build_object('channel', CASE WHEN g % 2 = 0 THEN 'web' ELSE 'store' END)
FROM generate_series(1, 2 * :n) g;
INSERT INTO order_lines SELECT o, (o % 20) + 1, (o % 4) + 1 FROM generate_series(1, 2 * :n) o;
INSERT INTO order_lines SELECT o, ((o + 7) % 20) + 1, 1 FROM generate_series(1, 2 * :n) o;
