#!/usr/bin/env bats
# confiture wizard in a real terminal (tmux): screens, navigation, quitting, errors, options.

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
CREATE TABLE products (id int PRIMARY KEY, title text, price numeric);
CREATE TABLE audit_log (id serial PRIMARY KEY, message text);"

DATA="
INSERT INTO users SELECT g, 'user' || g || '@example.com', 'Name ' || g, '+33 6 00 00 ' || g,
	date '1980-01-01' + g FROM generate_series(1, 200) g;
INSERT INTO orders SELECT g, 1 + g % 200, g * 1.5, g || ' rue de la Paix',
	('10.0.' || (g / 250) || '.' || (g % 250))::inet FROM generate_series(1, 1000) g;
INSERT INTO products SELECT g, 'product ' || g, g FROM generate_series(1, 50) g;
INSERT INTO audit_log (message) SELECT 'event ' || g FROM generate_series(1, 30) g;"

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
	BEFORE=$(target_state)
}

teardown() {
	term_stop
}

# A fingerprint of every row of every table of the target.
target_state() {
	local t
	for t in users orders products audit_log; do
		q "$TGT" "SELECT '$t:' || count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') FROM $t x"
	done
}

# Walk to step N (1..5) with default answers: staging -> local, orders (+ users by closure).
goto_step() {
	term_start confiture wizard
	term_wait "step 1/7: source"
	[ "$1" -le 1 ] && return
	term_keys Down Enter
	term_wait "step 2/7: target"
	[ "$1" -le 2 ] && return
	term_keys Enter
	term_wait "Which tables?"
	[ "$1" -le 3 ] && return
	term_keys Down Space Enter
	term_wait "y add them (foreign-key closure)"
	term_keys y
	term_wait "step 4/7: rules"
	[ "$1" -le 4 ] && return
	term_keys A
	term_wait "6 masked columns"
	term_keys Enter
	term_wait "step 5/7: review"
}

@test "wizard: --help, a bad option, and no terminal without answers" {
	run --separate-stderr confiture wizard --help
	assert_success
	assert_output --partial "usage: confiture wizard"
	run --separate-stderr confiture wizard --nosuch
	assert_failure 2
	[[ "$stderr" == *"usage: confiture wizard"* ]]
	run --separate-stderr confiture wizard </dev/null
	assert_failure 2
	[[ "$stderr" == *"no source given, and stdin is not a terminal to ask"* ]]
	run --separate-stderr confiture wizard --from staging --to local </dev/null
	assert_failure 2
	[[ "$stderr" == *"no tables given"* ]]
}

@test "wizard: steps 1-5 on a real catalog, going back keeps the answers" {
	goto_step 3
	screen=$(term_screen)
	[[ "$screen" == *"public.orders          1,000 rows"* ]]
	[[ "$screen" == *"public.users             200 rows"* ]]
	[[ "$screen" == *"public.audit_log          30 rows"* ]]
	# filter, select all that match, clear the filter
	term_keys / u s
	term_wait "filter: us_  (1 of 4 shown)"
	term_keys Enter a
	term_wait "[x] public.users"
	term_keys Escape
	term_wait "[ ] public.orders"
	term_keys Up Up Space Enter
	term_wait "step 4/7: rules"
	screen=$(term_screen)
	[[ "$screen" == *"users.email"*"(suggested: email)"* ]]
	[[ "$screen" == *"users.phone"*"(suggested: phone)"* ]]
	[[ "$screen" == *"orders.total"*"-> keep"* ]]
	! term_screen | grep "orders.total" | grep -q suggested
	# one key accepts a suggestion: move to users.email (orders has 5 columns, users.id first)
	term_keys Down Down Down Down Down Down Space
	term_wait "1 masked column"
	term_screen | grep -q "users.email .*-> email"
	term_keys Enter
	term_wait "step 5/7: review"
	term_wait "public.users         200   88.0 kB  email=email"
	# back to the rules, then the tables: everything is still chosen
	term_keys b
	term_wait "step 4/7: rules"
	term_screen | grep -q "users.email .*-> email"
	term_keys Left
	term_wait "Which tables?"
	term_wait "[x] public.orders"
	term_wait "[x] public.users"
	term_keys b
	term_wait "step 2/7: target"
	term_keys b
	term_wait "step 1/7: source"
	term_screen | grep -q "^> staging"
	term_keys q
	assert_equal "$(term_status)" 1
	assert_equal "$(target_state)" "$BEFORE"
	[ ! -e wizard-profile.yaml ]
}

@test "wizard: quitting at each step leaves the target unchanged" {
	for step in 1 2 3 4 5; do
		goto_step $step
		term_keys q
		assert_equal "$(term_status)" 1
		term_wait "wizard quit at step $step/7: nothing was changed"
		term_stop
	done
	# Ctrl-C outside a running copy quits the same way
	goto_step 4
	term_keys C-c
	assert_equal "$(term_status)" 1
	term_wait "wizard quit at step 4/7: nothing was changed"
	assert_equal "$(target_state)" "$BEFORE"
	[ ! -e wizard-profile.yaml ]
	[ ! -e wizard-profile.answers.yaml ]
}

@test "wizard: a failed connection offers retry, edit and back" {
	goto_step 2
	term_keys Down Down Enter
	term_wait "connection string"
	term_type "host=127.0.0.1 port=1 dbname=nosuch connect_timeout=2"
	term_keys Enter
	term_wait "could not use this database:"
	term_wait "r retry  e edit  b back  q quit"
	term_keys r
	term_wait "could not use this database:"
	term_keys e
	term_wait "type a connection string..."
	term_keys Down Down Enter
	term_wait "connection string"
	term_keys C-u
	term_type "$TGT"
	term_keys Enter
	term_wait "Which tables?"
	term_keys b
	term_wait "step 2/7: target"
	term_keys q
	assert_equal "$(term_status)" 1
}

@test "wizard: the target cannot be the source, a production-looking one asks first" {
	PROD=$(new_db prod_copy)
	q "$PROD" "$SCHEMA" >/dev/null
	echo "database_url: $PROD" >db/environments/warehouse-prod.yaml
	goto_step 2
	term_keys Down Enter
	term_wait "\"staging\" is the source database itself: choose another target"
	term_keys Down Enter
	term_wait "\"warehouse-prod\" looks like a production database."
	term_keys n
	term_wait "Copy data INTO which database?"
	term_keys Up Up Enter
	term_wait "Which tables?"
	term_screen | grep -q "^target: local"
	term_keys q
	assert_equal "$(term_status)" 1
}

@test "wizard: a 40-column terminal gets short lines, NO_COLOR gets no escapes" {
	term_start 40 confiture wizard
	term_wait "step 1/7: source"
	term_keys Down Enter
	term_wait "step 2/7: target"
	term_keys Enter
	term_wait "Which tables?"
	term_wait "public.orders (1,000)"
	width=$(term_screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')
	[ "$width" -le 40 ]
	term_screen -e | grep -q $'\e\[7m'
	term_keys q
	term_status >/dev/null
	term_stop
	NO_COLOR=1 term_start confiture wizard
	term_wait "step 1/7: source"
	! term_screen -e | grep -q $'\e\[7m'
	term_keys q
	assert_equal "$(term_status)" 1
}

@test "wizard --dry-run stops after the review and saves nothing" {
	term_start confiture wizard --dry-run
	term_wait "step 1/7: source"
	term_keys Down Enter
	term_wait "step 2/7: target"
	term_keys Enter
	term_wait "Which tables?"
	term_keys End Space Enter
	term_wait "step 4/7: rules"
	term_keys A Enter
	term_wait "dry run: enter finish"
	term_keys Enter
	assert_equal "$(term_status)" 0
	term_wait "dry run: nothing copied"
	assert_equal "$(target_state)" "$BEFORE"
	[ ! -e wizard-profile.yaml ]
	run --separate-stderr confiture wizard --from staging --to local --tables orders --closure \
		--accept-suggestions --dry-run
	assert_success
	assert_output --partial "public.users         200   88.0 kB
    email=email full_name=name phone=phone birth_date=date_shift"
	assert_output --partial "dry run: nothing copied"
	# the estimate is a rehearsal: nothing of it stays in the target
	assert_line --regexp '^estimated time: about [0-9]+ s \(rehearsed in full, rolled back\)$'
	assert_equal "$(target_state)" "$BEFORE"
	assert_equal "$(q "$TGT" "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'confiture%'")" 0
}

@test "wizard: non-interactive mode checks its answers before anything runs" {
	printf 'source: staging\ntarget: local\ntables: [orders]\nnosuch: 1\n' >a.yaml
	run --separate-stderr confiture wizard --answers a.yaml
	assert_failure 2
	[[ "$stderr" == *"a.yaml:4: unknown answer \"nosuch\""* ]]
	printf 'source: staging\ntarget: local\ntables: [orders, nosuch]\n' >a.yaml
	run --separate-stderr confiture wizard --answers a.yaml
	assert_failure 2
	[[ "$stderr" == *"no table \"nosuch\" in the source"* ]]
	printf 'source: staging\ntarget: local\ntables: [users]\nrules:\n  users:\n    email: nosuch\n' >a.yaml
	run --separate-stderr confiture wizard --answers a.yaml
	assert_failure 2
	[[ "$stderr" == *"a.yaml:6: unknown strategy \"nosuch\""* ]]
	printf 'source: staging\ntarget: staging\ntables: [users]\n' >a.yaml
	run --separate-stderr confiture wizard --answers a.yaml
	assert_failure 2
	[[ "$stderr" == *"is the source database itself"* ]]
	# without a confirmation nothing runs
	printf 'source: staging\ntarget: local\ntables: [users]\n' >a.yaml
	run --separate-stderr confiture wizard --answers a.yaml
	assert_failure 1
	[[ "$stderr" == *"the plan is not confirmed"* ]]
	run --separate-stderr confiture wizard --from staging --to "host=127.0.0.1 port=1 dbname=x" --tables users --yes
	assert_failure 3
	assert_equal "$(target_state)" "$BEFORE"
}

@test "wizard: SIGTERM or SIGINT from outside restores the terminal" {
	for sig in TERM INT; do
		term_start sh -c 'confiture wizard; echo "status $?"; stty -a'
		term_wait "step 1/7: source"
		pid=$(term_pid confiture)
		kill -$sig "$pid"
		term_wait "status $((128 + $(kill -l $sig)))"
		term_wait "icanon"
		screen=$(term_screen)
		[[ "$screen" == *" icanon "* || "$screen" == *" icanon"$'\n'* ]]
		[[ "$screen" != *"-icanon"* ]]
		[[ "$screen" != *"-echo "* ]]
		[[ "$screen" != *"-isig"* ]]
		term_stop
	done
}

@test "wizard: suggestions follow column names and types" {
	q "$SRC" "CREATE TABLE people (id int PRIMARY KEY, contact_email text, mobile_phone text,
		first_name text, last_name text, hostname text, tax_rate numeric, table_name text,
		street_address text, last_login_ip inet, date_of_birth date, notes text)" >/dev/null
	run --separate-stderr confiture wizard --from staging --to local --tables people \
		--accept-suggestions --dry-run
	assert_success
	for pair in contact_email=email mobile_phone=phone first_name=name last_name=name \
		street_address= last_login_ip= date_of_birth=; do
		assert_output --partial " $pair"
	done
	for col in hostname tax_rate table_name notes id; do
		refute_output --partial " $col="
	done
}

@test "wizard: a failed copy offers retry, back and quit" {
	q "$SRC" "CREATE TABLE only_in_source (id int PRIMARY KEY, note text);
		INSERT INTO only_in_source VALUES (1, 'a')" >/dev/null
	BEFORE=$(target_state)
	term_start confiture wizard
	term_wait "step 1/7: source"
	term_keys Down Enter
	term_wait "step 2/7: target"
	term_keys Enter
	term_wait "Which tables?"
	term_keys / o n l y
	term_wait "(1 of 5 shown)"
	term_keys Enter Space Enter
	term_wait "step 4/7: rules"
	term_keys Enter
	term_wait "risk: high"
	term_wait "1 table is missing in the target"
	term_keys y
	term_wait "r retry  b back to the review  q quit"
	term_wait "the copy failed (exit "
	term_keys r
	term_wait "r retry  b back to the review  q quit"
	term_keys b
	term_wait "step 5/7: review"
	term_keys q
	[ "$(term_status)" -ne 0 ]
	assert_equal "$(target_state)" "$BEFORE"
}
