#!/usr/bin/env bats
# The shell pipelines, the demo and the guides' examples, run for real.

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
}

@test "pipelines/build, migrate-up, migrate-status and migrate-down do what confiture does" {
	run --separate-stderr "$CONF_ROOT/pipelines/build" --db "$DB"
	assert_success
	echo "$output" | jq -e -s '.[0].status == "built" and .[-1].kind == "end"'
	run --separate-stderr "$CONF_ROOT/pipelines/migrate-up" --db "$DB"
	assert_success
	assert_equal "$(echo "$output" | jq -r 'select(.kind == "result") | .status' | tr '\n' ' ')" "applied applied applied "
	run --separate-stderr "$CONF_ROOT/pipelines/migrate-status" --db "$DB"
	assert_success
	assert_line --index 0 --regexp '^applied	20260101120000_add_published_at	'
	run --separate-stderr "$CONF_ROOT/pipelines/migrate-down" --db "$DB"
	assert_success
	assert_equal "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" "2"
	assert_equal "$(q "$DB" "SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_published_at_idx'")" "0"
}

@test "a pipeline stops with the failing stage's status and applies nothing after it" {
	echo "ALTER TABLE nosuch ADD COLUMN x int;" >db/migrations/20260301000000_broken.up.sql
	"$CONF_ROOT/pipelines/build" --db "$DB" >/dev/null
	run --separate-stderr "$CONF_ROOT/pipelines/migrate-up" --db "$DB"
	assert_failure 6
	[[ "$stderr" == *'20260301000000_broken.up.sql:1:1: relation "nosuch" does not exist'* ]]
	assert_equal "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" "3"
}

@test "the demo builds, migrates and reports on its own throwaway cluster" {
	unset CONFITURE_DATABASE_URL DATABASE_URL
	run --separate-stderr "$CONF_ROOT/pipelines/demo"
	assert_success
	assert_output --partial "built        schema"
	assert_output --partial "done: 3 applied"
	assert_output --partial "3 applied, 0 pending"
	assert_output --partial '{"version":"20260201100000","name":"index_published_posts","state":"applied"}'
	[ ! -e "$CONF_ROOT/examples/blog/.confiture/sandbox/sandbox.env" ]
}

@test "the migrations guide's examples run as written" {
	SERVER="$SANDBOX_URL" run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/migrations.md"
	assert_success
	[[ "$output" == *"add_published_at transactional=true"* ]]
	[[ "$output" == *"index_published_posts transactional=false"* ]]
	[[ "$output" == *"20260101120000|baselined"* ]]
}

@test "a sandbox whose server died is discarded and started afresh" {
	local dir="$BATS_TEST_TMPDIR/sbx" url pgdata
	url=$(confiture sandbox --dir "$dir" start 2>/dev/null)
	pgdata=$(sed -n 's/^PGDATA=//p' "$dir/sandbox.env")
	kill -9 "$(head -1 "$pgdata/postmaster.pid")"
	sleep 0.5
	[ -f "$pgdata/postmaster.pid" ]
	run --separate-stderr confiture sandbox --dir "$dir" start
	assert_success
	run q "$output" "SELECT 1"
	assert_output 1
	confiture sandbox --dir "$dir" stop
	[ ! -e "$pgdata" ]
}
