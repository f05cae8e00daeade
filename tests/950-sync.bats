#!/usr/bin/env bats
# confiture sync end to end: the shop example masked into another database with conf-anonymize.

load helpers/common

SHOP="$CONF_ROOT/examples/shop"

setup_file() {
	sandbox_start
	export SHOP_PROD_URL="${SANDBOX_URL%/*}/shop_prod"
	psql "$SANDBOX_URL" -qAtX -c "CREATE DATABASE shop_prod" >/dev/null
	psql "$SHOP_PROD_URL" -qX -v ON_ERROR_STOP=1 -f "$SHOP/db/schema/10_shop.sql" -f "$SHOP/seed.sql" >/dev/null
}

teardown_file() {
	sandbox_stop
}

setup() {
	export SHOP_STAGING_URL=$(new_db staging)
	psql "$SHOP_STAGING_URL" -qX -v ON_ERROR_STOP=1 -f "$SHOP/db/schema/10_shop.sql" >/dev/null
	export CONFITURE_ANON_KEY="test key of the sync suite, 1"
	cd "$SHOP"
}

# every table of a database, sorted, as COPY text
snapshot() {
	local t
	for t in customers addresses products orders order_lines; do
		echo "== $t"
		psql "$1" -qAtX -c "COPY (SELECT * FROM $t ORDER BY 1, 2) TO STDOUT"
	done
}

sync_shop() {
	confiture sync --from prod --to staging --profile profile.yaml --no-progress "$@"
}

@test "sync masks every profiled column: no original value appears anywhere in the target" {
	run --separate-stderr sync_shop
	assert_success
	assert_output --partial "done: 5 tables loaded, 0 resumed, 1620 rows"
	q "$SHOP_PROD_URL" "SELECT email FROM customers UNION SELECT full_name FROM customers
		UNION SELECT phone FROM customers UNION SELECT notes FROM customers WHERE notes <> ''
		UNION SELECT street FROM addresses UNION SELECT contact_email FROM orders" >"$BATS_TEST_TMPDIR/orig"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/orig")" 801
	pg_dump --data-only "$SHOP_STAGING_URL" >"$BATS_TEST_TMPDIR/target.sql"
	run grep -c -F -f "$BATS_TEST_TMPDIR/orig" "$BATS_TEST_TMPDIR/target.sql"
	assert_output 0
	# the columns the profile does not name pass through untouched
	diff -u <(q "$SHOP_PROD_URL" "SELECT id, customer_id, city FROM addresses ORDER BY 1") \
		<(q "$SHOP_STAGING_URL" "SELECT id, customer_id, city FROM addresses ORDER BY 1")
	diff -u <(q "$SHOP_PROD_URL" "SELECT * FROM order_lines ORDER BY 1, 2") \
		<(q "$SHOP_STAGING_URL" "SELECT * FROM order_lines ORDER BY 1, 2")
	diff -u <(q "$SHOP_PROD_URL" "SELECT id, created_at FROM customers ORDER BY 1") \
		<(q "$SHOP_STAGING_URL" "SELECT id, created_at FROM customers ORDER BY 1")
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM customers WHERE notes IS NOT NULL")" 0
}

@test "foreign keys still join, a shared domain masks alike in both tables, unique columns stay unique" {
	sync_shop >/dev/null
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id")" 400
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.contact_email = c.email")" 400
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id")" 800
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(DISTINCT email) FROM customers")" 200
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(DISTINCT sku) FROM products")" 20
}

@test "two runs with the same key give identical targets; another key gives other values" {
	sync_shop >/dev/null
	snapshot "$SHOP_STAGING_URL" >"$BATS_TEST_TMPDIR/one"
	sync_shop >/dev/null
	snapshot "$SHOP_STAGING_URL" >"$BATS_TEST_TMPDIR/two"
	diff -u "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two"
	q "$SHOP_STAGING_URL" "SELECT id, email, full_name FROM customers ORDER BY 1" >"$BATS_TEST_TMPDIR/k1"
	CONFITURE_ANON_KEY="another key, entirely different" sync_shop >/dev/null
	q "$SHOP_STAGING_URL" "SELECT id, email FROM customers ORDER BY 1" >"$BATS_TEST_TMPDIR/k2"
	# every email differs under the other key
	assert_equal "$(join -t '|' "$BATS_TEST_TMPDIR/k1" "$BATS_TEST_TMPDIR/k2" | awk -F'|' '$2 == $4' | wc -l)" 0
}

@test "pipelines/sync is the same pipeline and gives the same target" {
	sync_shop >/dev/null
	snapshot "$SHOP_STAGING_URL" >"$BATS_TEST_TMPDIR/one"
	q "$SHOP_STAGING_URL" "TRUNCATE customers, addresses, orders, order_lines, products"
	run --separate-stderr "$CONF_ROOT/pipelines/sync" "$SHOP_PROD_URL" "$SHOP_STAGING_URL" profile.yaml
	assert_success
	snapshot "$SHOP_STAGING_URL" >"$BATS_TEST_TMPDIR/two"
	diff -u "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two"
}

@test "--dry-run prints tables, rows, bytes, strategies and an estimate, and changes nothing" {
	run --separate-stderr sync_shop --dry-run
	assert_success
	assert_line --regexp '^public\.customers +200 rows +[0-9.]+ kB$'
	assert_line --regexp '^ +contact_email +email \(domain customer_email\)$'
	assert_line --partial "5 tables, 1620 rows,"
	# every table fits in the sample: the rehearsal was the whole sync
	assert_line --regexp '^estimated time: [0-9.]+ s \(rehearsed in full: every row copied, masked and$'
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM customers")" 0
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'confiture%'")" 0
	run --separate-stderr sync_shop --dry-run --format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/plan.json"
	jq -e '.dry_run and .rows == 1620 and .masked_columns == 6 and (.tables | length) == 5' "$BATS_TEST_TMPDIR/plan.json"
	jq -e '.tables[0].masked[0] == {"column":"email","strategy":"email","domain":"customer_email"}' "$BATS_TEST_TMPDIR/plan.json"
	jq -e '.estimate.basis == "full rehearsal" and .estimate.samples[0].rows == 1620 and .estimated_seconds > 0' "$BATS_TEST_TMPDIR/plan.json"
}

@test "--dry-run rehearses on samples of a large table and leaves the target as it was" {
	q "$SHOP_PROD_URL" "CREATE TABLE events (id bigint PRIMARY KEY, payload text);
	    INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 120000) g; ANALYZE events"
	q "$SHOP_STAGING_URL" "CREATE TABLE events (id bigint PRIMARY KEY, payload text);
	    INSERT INTO events VALUES (1, 'kept')"
	before=$(pg_dump --data-only -t events "$SHOP_STAGING_URL" | grep -Ev '^(--|\\restrict |\\unrestrict )' | md5sum)
	run --separate-stderr confiture sync --from prod --to staging --tables events --dry-run --format json
	q "$SHOP_PROD_URL" "DROP TABLE events"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/plan.json"
	jq -e '.estimate.basis == "rehearsal" and (.estimate.samples | map(.rows) == [50000, 100000])' "$BATS_TEST_TMPDIR/plan.json"
	jq -e '.estimated_seconds > .estimate.samples[1].seconds' "$BATS_TEST_TMPDIR/plan.json"
	[ "$(pg_dump --data-only -t events "$SHOP_STAGING_URL" | grep -Ev '^(--|\\restrict |\\unrestrict )' | md5sum)" = "$before" ]
	q "$SHOP_STAGING_URL" "DROP TABLE events"
}

@test "--dry-run fails as the sync would when the target lacks a table" {
	q "$SHOP_PROD_URL" "CREATE TABLE only_here (id int)"
	run --separate-stderr confiture sync --from prod --to staging --tables only_here --dry-run
	q "$SHOP_PROD_URL" "DROP TABLE only_here"
	assert_failure 7
	[[ "$stderr" == *"only_here"* ]]
}

@test "--tables loads a subset; a subset that leaves a referencing table out is refused" {
	# (without the profile: conf-anonymize refuses a profile naming tables the stream leaves out)
	sync_shop >/dev/null
	q "$SHOP_PROD_URL" "UPDATE products SET price = price + 1"
	run --separate-stderr confiture sync --from prod --to staging --tables products,order_lines --format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	q "$SHOP_PROD_URL" "UPDATE products SET price = price - 1"
	jq -e '.ok and .rows == 820 and [.results[].name] == ["products", "order_lines"]' "$BATS_TEST_TMPDIR/r.json"
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT price FROM products WHERE id = 1")" "4.50"
	run --separate-stderr confiture sync --from prod --to staging --tables-like 'c%'
	assert_failure 7
	[[ "$stderr" == *'table "addresses" references "public.customers"'* ]]
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM customers")" 200
}

@test "sync refuses the same database on both sides, a missing key, and bad options" {
	run --separate-stderr confiture sync --from prod --to "$SHOP_PROD_URL"
	assert_failure 2
	[[ "$stderr" == *"--from and --to name the same database"* ]]
	run --separate-stderr confiture sync --from prod
	assert_failure 2
	[[ "$stderr" == *"sync needs --from and --to"* ]]
	CONFITURE_ANON_KEY= run --separate-stderr sync_shop
	assert_failure 2
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM customers")" 0
}

@test "an interrupted sync resumes only with the same profile: another profile starts over" {
	key=$(sha256sum profile.yaml | cut -d' ' -f1)
	conf-extract --data -e prod | conf-anonymize --profile profile.yaml | head -n 300 |
		conf-apply --data -e staging --resume-key "$key" >/dev/null 2>&1 || true
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT table_name FROM confiture_sync")" "customers"
	# without the profile the resume key differs: every table is loaded again
	run --separate-stderr confiture sync --from prod --to staging --no-progress
	assert_success
	[[ "$stderr" == *"discarding the checkpoints"* ]]
	assert_output --partial "done: 5 tables loaded, 0 resumed"
	# with it, the interrupted run's tables are skipped
	conf-extract --data -e prod | conf-anonymize --profile profile.yaml | head -n 300 |
		conf-apply --data -e staging --resume-key "$key" >/dev/null 2>&1 || true
	run --separate-stderr sync_shop
	assert_success
	assert_output --partial "done: 4 tables loaded, 1 resumed"
	assert_equal "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM customers WHERE email LIKE '%@shop.example'")" 0
}

@test "the production-sync guide's examples run as written" {
	cd "$CONF_ROOT"
	SERVER="$SANDBOX_URL" run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/production-sync.md"
	assert_success
	[[ "$output" == *"done: 4 tables loaded, 1 resumed, 4020 rows"* ]]
}

@test "hooks fire for sync: before_validate once, before_apply and after_apply per table, on_error on failure" {
	cp -r "$SHOP" "$BATS_TEST_TMPDIR/shop"
	cd "$BATS_TEST_TMPDIR/shop"
	for p in before_validate before_apply after_apply on_error; do
		mkdir -p "db/hooks/$p.d"
		printf '#!/bin/sh\n{ cat; echo; } >> hooks.log\n' >"db/hooks/$p.d/10-record"
		chmod +x "db/hooks/$p.d/10-record"
	done
	run --separate-stderr sync_shop --format json
	assert_success
	[ "$(jq -r '"\(.point) \(.migration_id // "-")"' hooks.log | head -3 | tr '\n' ',')" = \
		"before_validate -,before_apply public.customers,after_apply public.customers," ]
	[ "$(grep -c '"point":"after_apply"' hooks.log)" -eq 5 ]
	jq -e -s 'all(.[]; .migration_type == "sync") and (.[0].source_schema == "prod")' hooks.log
	jq -e -s 'map(select(.point == "after_apply" and .migration_id == "public.orders"))[0]
	    | .rows_affected == {"public.orders": 400} and .tables_affected == ["public.orders"]' hooks.log
	jq -e '(.hooks | length) == 11' <<<"$output"
	# a veto before the third table: the first two stay loaded, the rest as they were
	rm hooks.log
	printf '#!/bin/sh\ncat >/dev/null\n[ "$CONFITURE_MIGRATION_ID" != public.orders ]\n' >db/hooks/before_apply.d/20-veto
	chmod +x db/hooks/before_apply.d/20-veto
	q "$SHOP_STAGING_URL" "TRUNCATE order_lines, orders, addresses, customers, products"
	run --separate-stderr sync_shop --no-progress
	[ "$status" -eq 5 ]
	[ "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM customers")" = 200 ]
	[ "$(q "$SHOP_STAGING_URL" "SELECT count(*) FROM orders")" = 0 ]
	jq -e -s 'map(select(.point == "on_error"))[0] | .migration_id == "public.orders"
	    and (.error.message | contains("20-veto failed"))' hooks.log
	# --no-hooks runs none
	rm hooks.log db/hooks/before_apply.d/20-veto
	run --separate-stderr sync_shop --no-hooks
	assert_success
	[ ! -e hooks.log ]
}
