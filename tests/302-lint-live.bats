#!/usr/bin/env bats
# conf-extract --schema on a real cluster, and the schema and live rules over its records.

load helpers/common

setup_file() {
	sandbox_start
}

teardown_file() {
	sandbox_stop
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "conf-extract --schema: tables, indexes, foreign keys, policies, functions, privileges, then end" {
	url=$(new_db)
	q "$url" "CREATE SCHEMA api;
	    CREATE TABLE api.users (id bigint PRIMARY KEY, email varchar(80) NOT NULL DEFAULT '');
	    CREATE TABLE api.posts (id bigint PRIMARY KEY, user_id bigint REFERENCES api.users (id));
	    ALTER TABLE api.users ENABLE ROW LEVEL SECURITY;
	    CREATE POLICY users_self ON api.users USING (true);
	    CREATE INDEX users_email_idx ON api.users (lower(email), id);
	    CREATE FUNCTION api.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';"
	run --separate-stderr conf-extract --db "$url" --schema
	assert_success
	echo "$output" >snap.ndjson
	jq -e -s 'all(.[]; .v == 1) and .[-1].kind == "end" and .[-1].records == (length - 1)' snap.ndjson
	jq -e -s '[.[] | select(.object == "table" and .name == "users")][0]
	    | .schema == "api" and .rls == true and .primary_key == ["id"]
	    and .columns[1] == {"name":"email","type":"varchar","typmod":80,"not_null":true,"default":"'"''"'::character varying","n_distinct":null}' snap.ndjson
	jq -e -s '[.[] | select(.object == "index" and .name == "users_email_idx")][0]
	    | .columns == ["", "id"] and .method == "btree" and .constraint == false and .idx_scan == 0' snap.ndjson
	jq -e -s '[.[] | select(.object == "foreign_key")][0]
	    | .table == "posts" and .columns == ["user_id"] and .ref_table == "users"' snap.ndjson
	jq -e -s '[.[] | select(.object == "policy")] | length == 1' snap.ndjson
	jq -e -s '[.[] | select(.object == "function")][0] | .name == "f" and .security_definer == true' snap.ndjson
	[ "$(head -c 9 snap.ndjson)" = '{"kind":"' ]
}

@test "conf-extract --schema: an unreachable database exits 3" {
	run --separate-stderr conf-extract --db "postgresql://nobody@127.0.0.1:1/none" --schema
	assert_failure 3
}

@test "live rules: unused-index after real scans, low-cardinality-index after ANALYZE, schema rules on the catalog" {
	url=$(new_db)
	q "$url" "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, ref text NOT NULL,
	        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
	    CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id),
	        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
	    CREATE INDEX orders_status_idx ON orders (status);
	    CREATE INDEX orders_ref_idx ON orders (ref);
	    INSERT INTO orders (id, status, ref) SELECT g, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'closed' END, 'r' || g
	        FROM generate_series(1, 2000) g;
	    ANALYZE orders;"
	# a scan of orders_ref_idx, in its own session so that its statistics are flushed
	psql "$url" -qAtX -c "SET enable_seqscan = off" -c "SELECT count(*) FROM orders WHERE ref = 'r7'" >/dev/null
	conf-extract --db "$url" --schema >snap.ndjson
	run --separate-stderr conf-lint -f text snap.ndjson
	assert_failure 1
	echo "$output" >out.txt
	grep -q '^public.orders_status_idx: info: unused-index: ' out.txt
	! grep -q '^public.orders_ref_idx: info: unused-index' out.txt
	! grep -q 'public.orders_pkey: info: unused-index' out.txt
	grep -q '^public.orders_status_idx: info: low-cardinality-index: ' out.txt
	! grep -q '^public.orders_ref_idx: info: low-cardinality-index' out.txt
	grep -q '^lines\.(unnamed)\|^lines\.lines_order_id_fkey: warning: fk-without-index: ' out.txt
	run --separate-stderr conf-lint -f text -d all -e unused-index -e low-cardinality-index -e fk-without-index snap.ndjson
	assert_line '3 findings (0 errors, 1 warning, 2 info) in 0 files, risk score 5'
}

@test "a truncated schema stream is an input error" {
	printf '{"kind":"schema","v":1,"object":"table","name":"t","columns":[]}\n' >trunc.ndjson
	run --separate-stderr conf-lint trunc.ndjson
	assert_failure 2
	[[ "$stderr" == *"end record"* ]]
}
