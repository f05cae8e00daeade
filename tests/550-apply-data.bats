#!/usr/bin/env bats
# conf-apply --data: exact round trip, foreign-key order, no CASCADE, truncated streams, resume after kill -9.

load helpers/common
load helpers/data

setup_file() {
	sandbox_start
	data_templates
}

teardown_file() {
	sandbox_stop
}

setup() {
	SRC=$(copy_db src tpl_types)
	DST=$(copy_db dst tpl_empty)
	S="$BATS_TEST_TMPDIR/stream.ndjson"
	conf-extract --data --db "$SRC" >"$S"
}

same() {
	local t
	for t in users orders items; do
		diff -u <(dump "$SRC" "$t") <(dump "$DST" "$t") || return 1
	done
}

@test "every value round-trips exactly: text, numeric, timestamptz, bytea, arrays, json, NULL vs empty" {
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/res"
	assert_equal "$(jq -r 'select(.kind == "result") | .status + ":" + .name + ":" + (.rows | tostring)' "$BATS_TEST_TMPDIR/res" | tr '\n' ' ')" \
		"loaded:users:4 loaded:orders:3 loaded:items:3 "
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/res")" '{"kind":"end","v":1,"records":3}'
	same
	assert_equal "$(q "$DST" "SELECT count(*) FROM users WHERE note IS NULL")" 1
	assert_equal "$(q "$DST" "SELECT count(*) FROM users WHERE name = ''")" 1
	assert_equal "$(q "$DST" "SELECT total2 FROM orders WHERE id = 1")" "246.9000"
	# the checkpoints of a complete load are cleared
	assert_equal "$(q "$DST" "SELECT count(*) FROM confiture_sync")" 0
	# and the round trip is a fixed point
	conf-extract --data --db "$DST" >"$BATS_TEST_TMPDIR/again"
	diff -u "$S" "$BATS_TEST_TMPDIR/again"
}

@test "loading again replaces the rows: parents are truncated with the children that reference them" {
	conf-apply --data --db "$DST" "$S" >/dev/null
	q "$SRC" "DELETE FROM items; DELETE FROM orders WHERE id = 3; UPDATE users SET name = 'changed' WHERE id = 2"
	conf-extract --data --db "$SRC" >"$S"
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_success
	same
	assert_equal "$(q "$DST" "SELECT count(*) FROM items")" 0
}

@test "a table outside the stream that references a loaded one is refused before anything changes; never CASCADE" {
	conf-apply --data --db "$DST" "$S" >/dev/null
	q "$DST" "CREATE TABLE audit (id int, user_id bigint REFERENCES users (id)); INSERT INTO audit VALUES (1, 1)"
	q "$SRC" "UPDATE users SET name = 'changed'"
	conf-extract --data --tables users,orders,items --db "$SRC" >"$S"
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_failure 7
	[[ "$stderr" == *'table "audit" references "public.users" (foreign key audit_user_id_fkey) but is not loaded'* ]]
	[[ "$stderr" == *"never truncates with CASCADE"* ]]
	assert_equal "$(q "$DST" "SELECT count(*) FROM audit")" 1
	assert_equal "$(q "$DST" "SELECT count(*) FROM users WHERE name = 'changed'")" 0
}

@test "a table missing from the target is refused before anything changes" {
	q "$DST" "DROP TABLE items"
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_failure 7
	[[ "$stderr" == *'table "public.items" does not exist in the target'* ]]
	assert_equal "$(q "$DST" "SELECT count(*) FROM users")" 0
}

@test "a truncated stream rolls back the table in flight, keeps the loaded ones, and the next run resumes" {
	q "$DST" "INSERT INTO users VALUES (9, 'keep@x.org', 'old', NULL)"
	# cut inside the orders rows: users complete, orders in flight
	n=$(grep -n '"kind":"rows_begin".*"orders"' "$S" | cut -d: -f1)
	head -n $((n + 1)) "$S" >"$BATS_TEST_TMPDIR/cut"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/cut"
	assert_failure 2
	[[ "$stderr" == *'ended without its end record, inside the rows of "public.orders": that table was rolled back'* ]]
	assert_equal "$(jq -r .kind <<<"$output" | tr '\n' ' ')" "result error "
	diff -u <(dump "$SRC" users) <(dump "$DST" users)
	assert_equal "$(q "$DST" "SELECT count(*) FROM orders")" 0
	assert_equal "$(q "$DST" "SELECT table_name || ':' || rows FROM confiture_sync")" "users:4"
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_success
	[[ "$stderr" == *"resuming an unfinished load: 1 of 3 tables already loaded"* ]]
	assert_equal "$(jq -r 'select(.kind == "result") | .status' <<<"$output" | tr '\n' ' ')" "skipped loaded loaded "
	same
	assert_equal "$(q "$DST" "SELECT count(*) FROM confiture_sync")" 0
}

@test "a stream cut inside the first table leaves that table exactly as it was" {
	q "$DST" "INSERT INTO users VALUES (9, 'keep@x.org', 'old', NULL)"
	head -n 5 "$S" >"$BATS_TEST_TMPDIR/cut"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/cut"
	assert_failure 2
	assert_equal "$(dump "$DST" users)" "$(printf '9\tkeep@x.org\told\t\\N')"
}

@test "a rows_end whose count differs, a malformed row, or an upstream error record rolls back the table" {
	q "$DST" "INSERT INTO users VALUES (9, 'keep@x.org', 'old', NULL)"
	sed 's/"name":"users","rows":4/"name":"users","rows":5/' "$S" >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/bad"
	assert_failure 2
	[[ "$stderr" == *'counts 5 rows but 4 arrived'* ]]
	assert_equal "$(q "$DST" "SELECT string_agg(email, ',') FROM users")" "keep@x.org"
	sed '6s/.*/{"kind":"row","v":1,"r":["x",/' "$S" >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/bad"
	assert_failure 2
	[[ "$stderr" == *"malformed row record at $BATS_TEST_TMPDIR/bad:6"* ]]
	{ head -n 6 "$S"; echo '{"kind":"error","v":1,"source":"conf-anonymize","code":5,"message":"plugin died"}'; } >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/bad"
	assert_failure 5
	[[ "$stderr" == *"conf-anonymize reported an error"* ]]
	assert_equal "$(jq -r .message <<<"$output")" "plugin died"
	assert_equal "$(q "$DST" "SELECT string_agg(email, ',') FROM users")" "keep@x.org"
	sed '6s/"r":\["[0-9]*",/"r":[/' "$S" >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/bad"
	assert_failure 2
	[[ "$stderr" == *'row of 3 values for the 4 columns of "public.users"'* ]]
}

@test "a load killed with SIGKILL resumes where it stopped" {
	# enough rows that the second table is still loading when we kill
	q "$SRC" "INSERT INTO orders (user_id, total) SELECT 1, g FROM generate_series(1, 20000) g"
	conf-extract --data --db "$SRC" >"$S"
	q "$DST" "INSERT INTO users VALUES (9, 'keep@x.org', 'old', NULL)"
	n=$(grep -n '"kind":"rows_begin".*"orders"' "$S" | cut -d: -f1)
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	conf-apply --data --db "$DST" <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/res" 2>/dev/null &
	pid=$!
	exec 9>"$BATS_TEST_TMPDIR/fifo"
	head -n $((n + 10000)) "$S" >&9
	# wait until users is committed, then kill in the middle of orders
	for i in $(seq 100); do
		[ "$(q "$DST" "SELECT count(*) FROM confiture_sync")" = 1 ] && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	exec 9>&-
	# the server rolls back the dead client's transaction
	for i in $(seq 100); do
		[ "$(q "$DST" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'conf-apply'")" = 0 ] && break
		sleep 0.1
	done
	assert_equal "$(q "$DST" "SELECT count(*) FROM orders")" 0
	assert_equal "$(q "$DST" "SELECT table_name FROM confiture_sync")" "users"
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_success
	assert_equal "$(jq -r 'select(.kind == "result") | .status' <<<"$output" | tr '\n' ' ')" "skipped loaded loaded "
	same
}

@test "checkpoints of an unfinished load of other tables are discarded, --no-resume ignores them" {
	head -n 11 "$S" >"$BATS_TEST_TMPDIR/cut"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/cut"
	assert_failure 2
	assert_equal "$(q "$DST" "SELECT count(*) FROM confiture_sync")" 1
	run --separate-stderr conf-apply --data --no-resume --db "$DST" "$S"
	assert_success
	assert_equal "$(jq -r 'select(.kind == "result") | .status' <<<"$output" | tr '\n' ' ')" "loaded loaded loaded "
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/cut"
	assert_equal "$(q "$DST" "SELECT count(*) FROM confiture_sync")" 1
	conf-extract --data --tables orders,items --db "$SRC" >"$BATS_TEST_TMPDIR/other"
	run --separate-stderr conf-apply --data --db "$DST" "$BATS_TEST_TMPDIR/other"
	assert_success
	[[ "$stderr" == *"discarding the checkpoints"* ]]
	assert_equal "$(jq -r 'select(.kind == "result") | .status' <<<"$output" | tr "\n" " ")" "loaded loaded "
	same
}

@test "a partitioned table loads through its parent; a table without columns keeps its row count" {
	for db in "$SRC" "$DST"; do
		q "$db" "CREATE TABLE m (id int, region text) PARTITION BY LIST (region);
			CREATE TABLE m_eu PARTITION OF m FOR VALUES IN ('eu');
			CREATE TABLE m_us PARTITION OF m FOR VALUES IN ('us');
			CREATE TABLE nocols ()"
	done
	q "$SRC" "INSERT INTO m VALUES (1, 'eu'), (2, 'us'), (3, 'eu'); INSERT INTO nocols DEFAULT VALUES; INSERT INTO nocols DEFAULT VALUES"
	conf-extract --data --tables-like 'm%' --tables nocols --db "$SRC" >"$S"
	assert_equal "$(jq -r 'select(.kind == "table") | .name' "$S" | tr '\n' ' ')" "m nocols "
	jq -e -s '[.[] | select(.kind == "row" and (.r | length) == 0)] | length == 2' "$S"
	run --separate-stderr conf-apply --data --db "$DST" "$S"
	assert_success
	assert_equal "$(q "$DST" "SELECT string_agg(tableoid::regclass || ':' || id, ' ' ORDER BY id) FROM m")" "m_eu:1 m_us:2 m_eu:3"
	assert_equal "$(q "$DST" "SELECT count(*) FROM nocols")" 2
}

@test "--rehearse loads into rolled-back copies: the target keeps its rows, a truncated stream fails the same" {
	conf-apply --data --db "$DST" "$S" >/dev/null
	q "$DST" "DELETE FROM items"
	before=$(dump "$DST" users)$(dump "$DST" orders)$(dump "$DST" items)
	run --separate-stderr conf-apply --data --rehearse --db "$DST" "$S"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/res"
	assert_equal "$(jq -r 'select(.kind == "result") | .status + ":" + .name + ":" + (.rows | tostring)' "$BATS_TEST_TMPDIR/res" | tr '\n' ' ')" \
		"rehearsed:users:4 rehearsed:orders:3 rehearsed:items:3 "
	assert_equal "$(dump "$DST" users)$(dump "$DST" orders)$(dump "$DST" items)" "$before"
	assert_equal "$(q "$DST" "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'confiture_rehearsal%'")" 0
	# a rehearsal writes no checkpoints
	assert_equal "$(q "$DST" "SELECT count(*) FROM confiture_sync")" 0
	head -n 5 "$S" >"$BATS_TEST_TMPDIR/cut"
	run --separate-stderr conf-apply --data --rehearse --db "$DST" "$BATS_TEST_TMPDIR/cut"
	assert_failure 2
	assert_equal "$(dump "$DST" users)$(dump "$DST" orders)$(dump "$DST" items)" "$before"
	run --separate-stderr conf-apply --rehearse --db "$DST" "$S"
	assert_failure 2
	[[ "$stderr" == *"--rehearse goes with --data"* ]]
}

@test "conf-extract --sample-rows takes at most n rows of each table" {
	run --separate-stderr conf-extract --data --sample-rows 2 --db "$SRC"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/s"
	assert_equal "$(jq -r 'select(.kind == "rows_end") | .name + ":" + (.rows | tostring)' "$BATS_TEST_TMPDIR/s" | tr '\n' ' ')" "users:2 orders:2 items:2 "
	run --separate-stderr conf-extract --sample-rows 2 --db "$SRC"
	assert_failure 2
	run --separate-stderr conf-extract --data --sample-rows 0 --db "$SRC"
	assert_failure 2
}
