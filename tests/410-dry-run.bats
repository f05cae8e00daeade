#!/usr/bin/env bats
# --dry-run, --max-risk and --force of confiture build and migrate, through conf-impact.

load helpers/common

setup_file() {
	sandbox_start
}

teardown_file() {
	sandbox_stop
}

setup() {
	cp -r "$CONF_ROOT/examples/blog" "$BATS_TEST_TMPDIR/blog"
	rm -rf "$BATS_TEST_TMPDIR/blog/.confiture"
	cd "$BATS_TEST_TMPDIR/blog"
	DB=$(new_db)
	confiture build --db "$DB" --no-hooks >/dev/null
	mkdir -p db/hooks/before_validate.d
	printf '#!/bin/sh\ntouch hook-ran\n' >db/hooks/before_validate.d/10-mark
	chmod +x db/hooks/before_validate.d/10-mark
}

pending() {
	confiture migrate status --db "$DB" --format json | jq .pending
}

@test "migrate up --dry-run reports locks and risk per migration and changes nothing" {
	run --separate-stderr confiture migrate up --dry-run --db "$DB"
	assert_success
	assert_line "up 20260101120000_add_published_at: risk medium"
	assert_line "  locks: ACCESS EXCLUSIVE posts"
	assert_line --partial "20260201100000_index_published_posts.up.sql:3  IndexStmt: SHARE UPDATE EXCLUSIVE posts; scan; outside a transaction"
	[[ "$stderr" == *"dry run: nothing was changed"* ]]
	[ "$(pending)" = 3 ]
	[ ! -e hook-ran ]
	run --separate-stderr confiture migrate up --dry-run --db "$DB" --format json
	assert_success
	printf '%s\n' "$output" >out
	[ "$(jq -r 'select(.kind == "impact" and .scope == "migration") | .risk' out | sort -u)" = medium ]
	[ "$(jq -s 'map(select(.kind == "impact" and .scope == "migration")) | length' out)" = 3 ]
}

@test "--max-risk refuses a riskier run before anything is applied; --force applies it" {
	run --separate-stderr confiture migrate up --max-risk low --db "$DB"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"migration risk is medium, above --max-risk low"* ]]
	[ "$(pending)" = 3 ]
	run --separate-stderr confiture migrate up --dry-run --max-risk low --db "$DB"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"a real run would refuse"* ]]
	run --separate-stderr confiture migrate up --max-risk medium --db "$DB"
	assert_success
	[ "$(pending)" = 0 ]
	run --separate-stderr confiture migrate down --max-risk low --force --db "$DB"
	assert_success
	[ "$(pending)" = 1 ]
}

@test "migration.max_risk in the environment file gates migrate up" {
	cat >db/environments/gate.yaml <<EOF
database_url: $DB
migration:
  max_risk: low
EOF
	run --separate-stderr confiture migrate up -e gate
	[ "$status" -eq 1 ]
	[ "$(pending)" = 3 ]
	run --separate-stderr confiture migrate up -e gate --force
	assert_success
	[ "$(pending)" = 0 ]
}

@test "build --dry-run needs no database and creates nothing" {
	run --separate-stderr confiture build --dry-run --db "${DB%/*}/never_created"
	assert_success
	assert_line --partial "build schema: risk"
	[ "$(q "$SANDBOX_URL" "SELECT count(*) FROM pg_database WHERE datname = 'never_created'")" = 0 ]
}
