#!/usr/bin/env bats
# confiture wizard end to end: all seven steps against real filters, the answers replayed, Ctrl-C.

load helpers/common
load helpers/term

setup_file() {
	sandbox_start
}

teardown_file() {
	sandbox_stop
}

SCHEMA="
CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, full_name text,
	phone text, birth_date date, created_at timestamptz DEFAULT '2026-01-01');
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id),
	total numeric(10,2), shipping_address text, ip_address inet);
CREATE TABLE products (id int PRIMARY KEY, title text, price numeric);"

DATA="
INSERT INTO users SELECT g, 'user' || g || '@example.com', 'Name ' || g, '+33 6 00 00 ' || g,
	date '1980-01-01' + g FROM generate_series(1, 200) g;
INSERT INTO orders SELECT g, 1 + g % 200, g * 1.5, g || ' rue de la Paix',
	('10.0.' || (g / 250) || '.' || (g % 250))::inet FROM generate_series(1, 1000) g;
INSERT INTO products SELECT g, 'product ' || g, g FROM generate_series(1, 50) g;"

setup() {
	P=$(mkproject)
	cd "$P"
	SRC=$(new_db src)
	TGT=$(new_db tgt)
	q "$SRC" "$SCHEMA" >/dev/null
	q "$SRC" "$DATA" >/dev/null
	q "$TGT" "$SCHEMA" >/dev/null
	echo "database_url: $SRC" >db/environments/staging.yaml
	echo "database_url: $TGT" >db/environments/local.yaml
	export CONFITURE_ANON_KEY=wizard-test-key-0123456789
}

teardown() {
	term_stop
}

# Every row of every table of database $1, in a stable order.
state() {
	local t
	for t in users orders products; do
		q "$1" "SELECT '$t:' || count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM $t x"
	done
}

# The interactive run: staging -> local, orders plus users by closure, every suggestion taken.
# With "back", goes back from the review to the rules once.
interactive_run() {
	term_start confiture wizard
	term_wait "step 1/7: source"
	term_keys Down Enter
	term_wait "step 2/7: target"
	term_keys Enter
	term_wait "Which tables?"
	term_keys Space Enter
	term_wait "y add them (foreign-key closure)"
	term_keys y
	term_wait "step 4/7: rules"
	term_keys A
	term_wait "tables: 2 selected, 1,200 rows, 6 masked columns"
	term_keys Enter
	term_wait "step 5/7: review"
	if [ "${1:-}" = back ]; then
		term_keys b
		term_wait "step 4/7: rules"
		term_wait "users.email"
		term_keys Enter
		term_wait "step 5/7: review"
	fi
	term_wait "y run the copy"
	term_keys y
	term_wait "step 7/7: verify"
	term_wait "enter finish"
}

@test "wizard: all seven steps, back once, end with a verified anonymized copy" {
	# hooks fire as in any sync
	mkdir -p db/hooks/before_validate.d
	printf '#!/bin/sh\ncat >"%s/hook.json"\n' "$P" >db/hooks/before_validate.d/10-record
	chmod +x db/hooks/before_validate.d/10-record
	interactive_run back
	screen=$(term_screen)
	[[ "$screen" == *"public.orders     1,000     1,000 ok       2, no original value left"* ]]
	[[ "$screen" == *"public.users        200       200 ok       4, no original value left"* ]]
	[[ "$screen" == *"verification passed"* ]]
	term_keys Enter
	assert_equal "$(term_status)" 0
	term_wait "repeat with:   confiture sync --from staging --to local --tables public.orders,p"
	# the copy is there, joined, and no original email, name or phone is left
	assert_equal "$(q "$TGT" "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id")" 1000
	q "$SRC" "SELECT email FROM users UNION ALL SELECT full_name FROM users UNION ALL SELECT phone FROM users" | sort >src.txt
	q "$TGT" "SELECT email FROM users UNION ALL SELECT full_name FROM users UNION ALL SELECT phone FROM users" | sort >tgt.txt
	assert_equal "$(comm -12 src.txt tgt.txt | wc -l)" 0
	assert_equal "$(q "$TGT" "SELECT count(*) FROM products")" 0
	# the saved profile is the contract's format, and the printed command repeats the copy
	grep -q 'email.*strategy: "email"' wizard-profile.yaml
	grep -q '^confirm: true' wizard-profile.answers.yaml
	jq -e '.migration_type == "sync"' hook.json
}

@test "wizard: the answers replayed without a terminal give the same target" {
	interactive_run
	term_keys Enter
	assert_equal "$(term_status)" 0
	TGT2=$(new_db tgt2)
	q "$TGT2" "$SCHEMA" >/dev/null
	run --separate-stderr confiture wizard --answers wizard-profile.answers.yaml --to "$TGT2" \
		--save again.yaml </dev/null
	assert_success
	assert_output --partial "verification passed"
	assert_equal "$(state "$TGT2")" "$(state "$TGT")"
	# the same with flags only
	TGT3=$(new_db tgt3)
	q "$TGT3" "$SCHEMA" >/dev/null
	run --separate-stderr confiture wizard --from staging --to "$TGT3" --tables orders --closure \
		--accept-suggestions --yes --skip-verify --save flags.yaml </dev/null
	assert_success
	refute_output --partial "verification"
	assert_equal "$(state "$TGT3")" "$(state "$TGT")"
}

@test "wizard: Ctrl-C during execute stops cleanly, each table all or nothing" {
	# a slow table: every row waits in the target, so the copy is still running
	# (events references orders, which references users: it loads last)
	q "$SRC" "CREATE TABLE events (id int PRIMARY KEY, order_id bigint REFERENCES orders (id), note text);
		INSERT INTO events SELECT g, 1 + g % 1000, 'n' || g FROM generate_series(1, 3000) g" >/dev/null
	q "$TGT" "CREATE TABLE events (id int PRIMARY KEY, order_id bigint REFERENCES orders (id), note text);
		CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END \$\$;
		CREATE TRIGGER slow BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION slow()" >/dev/null
	term_start confiture wizard --skip-verify
	term_wait "step 1/7: source"
	term_keys Down Enter
	term_wait "step 2/7: target"
	term_keys Enter
	term_wait "Which tables?"
	# events, orders and users: conf-apply refuses to truncate users under an unloaded orders
	term_keys Space Down Space End Space Enter
	term_wait "step 4/7: rules"
	term_keys Enter
	term_wait "y run the copy"
	term_keys y
	term_wait "public.events"
	term_wait "200/200 loaded"
	term_wait "1,000/1,000 loaded"
	term_keys C-c
	assert_equal "$(term_status)" 1
	term_wait "confiture: wizard: stopped; the target now holds:"
	events=$(q "$TGT" "SELECT count(*) FROM events")
	users=$(q "$TGT" "SELECT count(*) FROM users")
	orders=$(q "$TGT" "SELECT count(*) FROM orders")
	[ "$events" -eq 0 ]
	[ "$users" -eq 0 ] || [ "$users" -eq 200 ]
	[ "$orders" -eq 0 ] || [ "$orders" -eq 1000 ]
	[ ! -e wizard-profile.answers.yaml ]
}

@test "wizard: the guide's non-interactive examples run" {
	cd "$BATS_TEST_TMPDIR"
	mkdir guide && cd guide
	SERVER="$SANDBOX_URL" run "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/interactive-wizard.md"
	assert_success
}
