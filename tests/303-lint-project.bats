#!/usr/bin/env bats
# confiture lint, and lint as the validation stage of confiture migrate up.

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

@test "confiture lint: the schema files as one schema, then the pending migrations only" {
	url=$(new_db)
	dir=$(mkproject)
	printf 'CREATE TABLE logs (msg text);\n' >"$dir/db/schema/10_logs.sql"
	migration "$dir" 001 first 'CREATE TABLE t (id bigint PRIMARY KEY); DELETE FROM t;'
	migration "$dir" 002 second 'DELETE FROM logs;'
	run --separate-stderr confiture lint -C "$dir" --db "$url"
	assert_failure 1
	assert_output --partial 'db/schema/10_logs.sql:1:14: warning: missing-primary-key: table "logs" has no primary key'
	assert_output --partial '001_first.up.sql:1:41: error: delete-without-where'
	assert_output --partial '002_second.up.sql:1:1: error: delete-without-where'
	# apply 001 behind the gate's back, then only 002 is pending
	q "$url" "CREATE TABLE logs (msg text)"
	printf 'lint:\n  migrate_fail_on: never\n' >"$dir/db/lint.yaml"
	run --separate-stderr confiture migrate up -C "$dir" --db "$url" --to 001
	assert_success
	run --separate-stderr confiture lint -C "$dir" --db "$url" -f ndjson
	assert_failure 1
	echo "$output" >out.ndjson
	jq -e -s '[.[] | select(.rule == "delete-without-where") | .file | test("002_second")] == [true]' out.ndjson
	run --separate-stderr confiture lint -C "$dir" --db "$url" --fail-on never
	assert_success
}

@test "confiture lint --live lints the database's catalog" {
	url=$(new_db)
	dir=$(mkproject)
	q "$url" "CREATE TABLE parent (id bigint PRIMARY KEY); CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent (id))"
	run --separate-stderr confiture lint -C "$dir" --db "$url" --live
	assert_failure 1
	assert_output --partial 'child.child_parent_id_fkey: warning: fk-without-index'
}

@test "migrate up stops on lint errors before touching the database; ignores and settings let it through" {
	url=$(new_db)
	dir=$(mkproject)
	migration "$dir" 001 users 'CREATE TABLE users (id bigint PRIMARY KEY, active boolean);'
	migration "$dir" 002 backfill 'UPDATE users SET active = true;'
	run --separate-stderr confiture migrate up -C "$dir" --db "$url"
	assert_failure 1
	[[ "$stderr" == *'002_backfill.up.sql:1:1: error: update-without-where: '* ]]
	[[ "$stderr" == *'lint: 1 finding at or above error: nothing was applied'* ]]
	[ "$(q "$url" "SELECT count(*) FROM pg_class WHERE relname = 'users'")" = 0 ]
	migration "$dir" 002 backfill '-- confiture-ignore update-without-where
UPDATE users SET active = true;'
	run --separate-stderr confiture migrate up -C "$dir" --db "$url"
	assert_success
	[ "$(q "$url" "SELECT count(*) FROM users")" = 0 ]
	migration "$dir" 003 wipe 'DELETE FROM users;'
	printf 'lint:\n  migrate_fail_on: never\n' >"$dir/db/lint.yaml"
	run --separate-stderr confiture migrate up -C "$dir" --db "$url"
	assert_success
}
