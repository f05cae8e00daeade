#!/usr/bin/env bats
# conf-apply and the runner: build, up, down, status, baseline, drift, failures, concurrency.

load helpers/common

setup_file() {
	sandbox_start
}

teardown_file() {
	sandbox_stop
}

setup() {
	P=$(mkproject)
	cd "$P"
	DB=$(new_db)
	export CONFITURE_DATABASE_URL="$DB"
}

tables() {
	q "$DB" "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"
}

@test "build applies the schema files in one transaction" {
	mkdir -p db/schema/10 db/schema/20
	echo "CREATE TABLE a (id int PRIMARY KEY);" >db/schema/10/a.sql
	echo "CREATE TABLE b (a_id int REFERENCES a (id));" >db/schema/20/b.sql
	run --separate-stderr confiture build
	assert_success
	assert_output --partial "built"
	assert_equal "$(tables)" "a b"
}

@test "build stops on a syntax error before touching the database" {
	echo "CREATE TABLE a (id int);" >db/schema/a.sql
	echo "CREATE TABLE b (id int,);" >db/schema/b.sql
	run --separate-stderr confiture build
	assert_failure 2
	[[ "$stderr" == *"db/schema/b.sql:1:24: syntax error at or near \")\""* ]]
	assert_equal "$(tables)" ""
}

@test "build rolls back everything when a statement fails" {
	echo "CREATE TABLE a (id int);" >db/schema/a.sql
	echo "CREATE TABLE b (id int REFERENCES nosuch (id));" >db/schema/b.sql
	run --separate-stderr confiture build
	assert_failure 6
	[[ "$stderr" == *"db/schema/b.sql:1:"*'relation "nosuch" does not exist'* ]]
	assert_equal "$(tables)" ""
}

@test "build --create creates the database when it is missing" {
	echo "CREATE TABLE a (id int);" >db/schema/a.sql
	url="${SANDBOX_URL%/*}/created_${BATS_TEST_NUMBER}"
	run --separate-stderr confiture build --create --db "$url"
	assert_success
	assert_equal "$(q "$url" "SELECT count(*) FROM a")" "0"
}

@test "the result's duration_ms runs to the commit; the tracking row's stops before its own insert" {
	# a deferred constraint trigger sleeps 0.4 s at COMMIT, after the tracking row is written
	migration . 001 slow_commit "CREATE TABLE t (id int);
CREATE FUNCTION t_nap() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_sleep(0.4); RETURN NULL; END \$\$;
CREATE CONSTRAINT TRIGGER t_nap AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION t_nap();
INSERT INTO t VALUES (1);"
	conf-extract | conf-apply --db "$DB" >out.ndjson
	jq -se 'map(select(.kind == "result"))[0] | .status == "applied" and .duration_ms >= 400' out.ndjson
	assert_equal "$(q "$DB" "SELECT duration_ms < 400 FROM confiture_migrations WHERE version = '001'")" "t"
}

@test "migrate up applies pending migrations once, records them, and status lists them" {
	migration . 001 users "CREATE TABLE users (id int);" "DROP TABLE users;"
	migration . 002 posts "CREATE TABLE posts (id int);" "DROP TABLE posts;"
	run --separate-stderr confiture migrate up
	assert_success
	assert_output --partial "done: 2 applied"
	assert_equal "$(tables)" "confiture_migrations posts users"
	assert_equal "$(q "$DB" "SELECT string_agg(version || ':' || name || ':' || status, ' ' ORDER BY version) FROM confiture_migrations")" \
		"001:users:applied 002:posts:applied"
	sum=$(sha256sum db/migrations/001_users.up.sql | cut -d' ' -f1)
	assert_equal "$(q "$DB" "SELECT checksum FROM confiture_migrations WHERE version = '001'")" "$sum"
	assert_equal "$(q "$DB" "SELECT applied_by = current_user AND duration_ms >= 0 AND applied_at <= now() FROM confiture_migrations WHERE version = '001'")" "t"
	# nothing left to do
	run --separate-stderr confiture migrate up
	assert_success
	assert_output "nothing to do"
	migration . 003 tags "CREATE TABLE tags (id int);"
	run --separate-stderr confiture migrate status --format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/status.json"
	jq -e '.applied == 2 and .pending == 1 and ([.migrations[].state] == ["applied", "applied", "pending"])' "$BATS_TEST_TMPDIR/status.json"
}

@test "migrate up --to and --steps stop where asked" {
	for v in 1 2 3 4; do migration . $v m$v "CREATE TABLE t$v (id int);"; done
	run --separate-stderr confiture migrate up --to 2
	assert_success
	assert_equal "$(q "$DB" "SELECT string_agg(version, ' ' ORDER BY version::int) FROM confiture_migrations")" "1 2"
	run --separate-stderr confiture migrate up --steps 1
	assert_equal "$(q "$DB" "SELECT string_agg(version, ' ' ORDER BY version::int) FROM confiture_migrations")" "1 2 3"
}

@test "migrate down rolls back the newest migration, or several, or to a version" {
	for v in 1 2 3 4; do migration . $v m$v "CREATE TABLE t$v (id int);" "DROP TABLE t$v;"; done
	confiture migrate up >/dev/null
	run --separate-stderr confiture migrate down
	assert_success
	assert_output --regexp "rolled back +4_m4"
	assert_equal "$(tables)" "confiture_migrations t1 t2 t3"
	run --separate-stderr confiture migrate down --steps 2
	assert_success
	assert_equal "$(tables)" "confiture_migrations t1"
	confiture migrate up >/dev/null
	run --separate-stderr confiture migrate down --to 1
	assert_success
	assert_equal "$(tables)" "confiture_migrations t1"
	assert_equal "$(q "$DB" "SELECT string_agg(version, ' ') FROM confiture_migrations")" "1"
}

@test "migrate down refuses before changing anything when a down file is missing" {
	migration . 1 a "CREATE TABLE a (id int);" "DROP TABLE a;"
	migration . 2 b "CREATE TABLE b (id int);"
	migration . 3 c "CREATE TABLE c (id int);" "DROP TABLE c;"
	confiture migrate up >/dev/null
	run --separate-stderr confiture migrate down --to 0
	assert_failure 7
	[[ "$stderr" == *"cannot roll back: no down migration for 2_b"* ]]
	assert_equal "$(tables)" "a b c confiture_migrations"
	assert_equal "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" "3"
}

@test "baseline records migrations as applied without running them" {
	migration . 1 a "CREATE TABLE a (id int);"
	migration . 2 b "CREATE TABLE b (id int);"
	migration . 3 c "CREATE TABLE c (id int);"
	run --separate-stderr confiture migrate baseline --through 2
	assert_success
	assert_output --partial "baselined"
	assert_equal "$(tables)" "confiture_migrations"
	assert_equal "$(q "$DB" "SELECT string_agg(version || ':' || status, ' ' ORDER BY version) FROM confiture_migrations")" "1:baselined 2:baselined"
	run --separate-stderr confiture migrate up
	assert_success
	assert_equal "$(tables)" "c confiture_migrations"
}

@test "an applied migration whose file changed is refused unless --allow-drift" {
	migration . 1 a "CREATE TABLE a (id int);"
	migration . 2 b "CREATE TABLE b (id int);"
	confiture migrate up --to 1 >/dev/null
	echo "CREATE TABLE a (id bigint);" >db/migrations/1_a.up.sql
	run --separate-stderr confiture migrate up
	assert_failure 7
	[[ "$stderr" == *"applied migration 1_a has changed since it was applied"* ]]
	assert_equal "$(tables)" "a confiture_migrations"
	run --separate-stderr confiture migrate status
	assert_output --partial "(file changed since)"
	run --separate-stderr confiture migrate up --allow-drift
	assert_success
	assert_equal "$(tables)" "a b confiture_migrations"
}

@test "a failing statement rolls its migration back and names the file, line, column and SQLSTATE" {
	migration . 1 ok "CREATE TABLE ok (id int);"
	migration . 2 bad "CREATE TABLE half (id int);
INSERT INTO half VALUES (1);
INSERT INTO half VALUES ('not a number');"
	run --separate-stderr confiture migrate up --format json
	assert_failure 6
	echo "$output" >"$BATS_TEST_TMPDIR/out.json"
	jq -e '.ok == false and .exit_code == 6 and .results[0].status == "applied"' "$BATS_TEST_TMPDIR/out.json"
	jq -e '.errors[0] | .sqlstate == "22P02" and .version == "2" and .line == 3 and .col == 26
		and .statement == 3 and .file == "db/migrations/2_bad.up.sql"' "$BATS_TEST_TMPDIR/out.json"
	[[ "$stderr" == *"db/migrations/2_bad.up.sql:3:26: invalid input syntax for type integer"* ]]
	assert_equal "$(tables)" "confiture_migrations ok"
	assert_equal "$(q "$DB" "SELECT string_agg(version, ' ') FROM confiture_migrations")" "1"
}

@test "a non-transactional migration runs outside a transaction and a failure leaves a clear state" {
	migration . 1 t "CREATE TABLE t (a int, b int);"
	migration . 2 idx "CREATE INDEX CONCURRENTLY t_a ON t (a);
CREATE INDEX CONCURRENTLY t_b ON t (nosuch);"
	run --separate-stderr confiture migrate up
	assert_failure 6
	assert_equal "$(q "$DB" "SELECT status || ':' || failed_statement FROM confiture_migrations WHERE version = '2'")" "failed:2"
	# the first index exists: the state says so, and the next run refuses until resolved
	assert_equal "$(q "$DB" "SELECT count(*) FROM pg_indexes WHERE indexname = 't_a'")" "1"
	run --separate-stderr confiture migrate up
	assert_failure 7
	[[ "$stderr" == *'migration 2 (idx) is marked "failed"'* ]]
	[[ "$stderr" == *"confiture migrate resolve 2"* ]]
	run --separate-stderr confiture migrate resolve 2 --rolled-back
	assert_success
	q "$DB" "DROP INDEX t_a" >/dev/null
	migration . 2 idx "CREATE INDEX CONCURRENTLY t_a ON t (a);
CREATE INDEX CONCURRENTLY t_b ON t (b);"
	run --separate-stderr confiture migrate up
	assert_success
	assert_equal "$(q "$DB" "SELECT status FROM confiture_migrations WHERE version = '2'")" "applied"
	assert_equal "$(q "$DB" "SELECT count(*) FROM pg_indexes WHERE indexname IN ('t_a', 't_b')")" "2"
}

@test "malformed NDJSON stops conf-apply and commits nothing in flight" {
	printf '%s\n' '{"kind":"migration","v":1,"direction":"up","version":"1","name":"a","checksum":"x","statements":2}' \
		'{"kind":"statement","v":1,"sql":"CREATE TABLE a (id int)"}' \
		'{"kind":"statement","v":1,"sql": oops' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/in"
	assert_failure 2
	[[ "$stderr" == *"malformed JSON at $BATS_TEST_TMPDIR/in:3"* ]]
	echo "$output" | jq -e 'select(.kind == "error") | .code == 2'
	assert_equal "$(tables)" "confiture_migrations"
	printf '%s\n' '{"v":1,"sql":"x"}' >"$BATS_TEST_TMPDIR/in2"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/in2"
	assert_failure 2
	[[ "$stderr" == *'record without a "kind" at '*"in2:1"* ]]
}

@test "a truncated stream rolls back the migration in flight and keeps the complete ones" {
	migration . 1 a "CREATE TABLE a (id int);"
	migration . 2 b "CREATE TABLE b (id int);
CREATE TABLE b2 (id int);"
	conf-extract >"$BATS_TEST_TMPDIR/full"
	# everything up to the first statement of migration 2: no end record
	head -n 4 "$BATS_TEST_TMPDIR/full" >"$BATS_TEST_TMPDIR/cut"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/cut"
	assert_failure 2
	[[ "$stderr" == *"ended without its end record after 4 records"* ]]
	assert_equal "$(tables)" "a confiture_migrations"
	assert_equal "$(q "$DB" "SELECT string_agg(version, ' ') FROM confiture_migrations")" "1"
	# the complete stream but for its end record: the last migration stays open, so it is rolled back
	head -n -1 "$BATS_TEST_TMPDIR/full" >"$BATS_TEST_TMPDIR/noend"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/noend"
	assert_failure 2
	assert_equal "$(tables)" "a confiture_migrations"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/full"
	assert_success
	assert_equal "$(tables)" "a b b2 confiture_migrations"
}

@test "an error record upstream stops conf-apply with its code and nothing is applied" {
	printf '%s\n' '{"kind":"migration","v":1,"direction":"up","version":"1","name":"a","checksum":"x","statements":1}' \
		'{"kind":"statement","v":1,"sql":"CREATE TABLE a (id int)"}' \
		'{"kind":"error","v":1,"source":"conf-lint","code":1,"message":"findings"}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/in"
	assert_failure 1
	[[ "$stderr" == *"stopped: conf-lint reported an error"* ]]
	assert_equal "$(tables)" "confiture_migrations"
}

@test "a statement count that does not match is refused" {
	printf '%s\n' '{"kind":"migration","v":1,"direction":"up","version":"1","name":"a","checksum":"x","statements":2}' \
		'{"kind":"statement","v":1,"sql":"CREATE TABLE a (id int)"}' \
		'{"kind":"end","v":1,"records":2}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr conf-apply "$BATS_TEST_TMPDIR/in"
	assert_failure 2
	[[ "$stderr" == *"migration 1 announced 2 statements, 1 arrived"* ]]
	assert_equal "$(tables)" "confiture_migrations"
}

@test "an unreachable database exits 3 and never shows the password" {
	migration . 1 a "CREATE TABLE a (id int);"
	run --separate-stderr confiture migrate up --db "postgresql://app:Sup3rSecretPw@127.0.0.1:1/app"
	assert_failure 3
	[[ "$stderr" == *"could not connect to the database"* ]]
	[[ "$stderr" == *"postgresql://app:****@127.0.0.1:1/app"* ]]
	[[ "$stderr$output" != *Sup3rSecretPw* ]]
	run --separate-stderr conf-apply --db "host=127.0.0.1 port=1 user=app password=Sup3rSecretPw dbname=x" /dev/null
	assert_failure 3
	[[ "$stderr$output" != *Sup3rSecretPw* ]]
}

@test "the environment file's database_url reads the password from the environment" {
	unset CONFITURE_DATABASE_URL
	cat >db/environments/dev.yaml <<-'YAML'
	database_url: postgresql://app:${APP_PW}@127.0.0.1:1/app
	YAML
	migration . 1 a "CREATE TABLE a (id int);"
	run --separate-stderr env APP_PW=An0therSecret confiture migrate up -e dev
	assert_failure 3
	[[ "$stderr$output" != *An0therSecret* ]]
	run --separate-stderr confiture migrate up -e dev
	assert_failure 2
	[[ "$stderr" == *'db/environments/dev.yaml:1: environment variable "APP_PW" is not set'* ]]
}

@test "connection precedence: --db, then CONFITURE_DATABASE_URL, then the environment, then DATABASE_URL" {
	other=$(new_db other)
	cat >db/environments/dev.yaml <<-YAML
	database_url: $other
	YAML
	migration . 1 a "CREATE TABLE a (id int);"
	# CONFITURE_DATABASE_URL (= DB) beats the environment file
	confiture migrate up -e dev >/dev/null
	assert_equal "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" "1"
	# the environment file beats DATABASE_URL
	unset CONFITURE_DATABASE_URL
	DATABASE_URL="$DB" confiture migrate up -e dev >/dev/null
	assert_equal "$(q "$other" "SELECT count(*) FROM confiture_migrations")" "1"
	# --db beats everything
	third=$(new_db third)
	CONFITURE_DATABASE_URL="$DB" confiture migrate up -e dev --db "$third" >/dev/null
	assert_equal "$(q "$third" "SELECT count(*) FROM confiture_migrations")" "1"
}

@test "a configurable tracking table, schema-qualified" {
	q "$DB" "CREATE SCHEMA ops" >/dev/null
	migration . 1 a "CREATE TABLE a (id int);"
	run --separate-stderr confiture migrate up --tracking-table ops.applied_migrations
	assert_success
	assert_equal "$(q "$DB" "SELECT version FROM ops.applied_migrations")" "1"
}

@test "two concurrent migrate up runs apply each migration exactly once" {
	for v in $(seq 1 30); do
		migration . $v m$v "CREATE TABLE t$v (id int); SELECT pg_sleep(0.02);"
	done
	confiture migrate up >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
	a=$!
	confiture migrate up >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
	b=$!
	wait $a
	wait $b
	assert_equal "$(q "$DB" "SELECT count(*), count(DISTINCT version) FROM confiture_migrations")" "30|30"
	# one run applied them, the other found them applied and skipped them
	applied=$(cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" | grep -c '^applied ')
	assert_equal "$applied" 30
}

@test "a run that cannot get the lock gives up after --lock-wait with exit 4" {
	migration . 1 a "CREATE TABLE a (id int);"
	psql "$DB" -qAtX -c "SELECT pg_advisory_lock(1668247142, hashtext('confiture_migrations'))" -c "SELECT pg_sleep(4)" >/dev/null &
	holder=$!
	sleep 1
	run --separate-stderr confiture migrate up --lock-wait 1
	assert_failure 4
	[[ "$stderr" == *'another run holds the migration lock on "confiture_migrations"'* ]]
	wait $holder
	assert_equal "$(tables)" ""
}

@test "kill -9 of conf-apply mid-migration leaves all or nothing, and the next run finishes" {
	migration . 1 a "CREATE TABLE a (id int);"
	migration . 2 slow "CREATE TABLE slow1 (id int);
INSERT INTO slow1 SELECT generate_series(1, 1000);
SELECT pg_sleep(30);
CREATE TABLE slow2 (id int);"
	conf-extract >"$BATS_TEST_TMPDIR/stream"
	conf-apply "$BATS_TEST_TMPDIR/stream" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 1 100); do
		[ "$(q "$DB" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'")" = 1 ] && break
		sleep 0.1
	done
	kill -9 $pid
	wait $pid || true
	# the server notices the lost client and rolls back its transaction
	for i in $(seq 1 100); do
		[ "$(q "$DB" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'")" = 0 ] && break
		q "$DB" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'" >/dev/null
		sleep 0.1
	done
	assert_equal "$(tables)" "a confiture_migrations"
	assert_equal "$(q "$DB" "SELECT string_agg(version, ' ') FROM confiture_migrations")" "1"
	migration . 2 slow "CREATE TABLE slow1 (id int);
INSERT INTO slow1 SELECT generate_series(1, 1000);
SELECT pg_sleep(0);
CREATE TABLE slow2 (id int);"
	run --separate-stderr confiture migrate up --allow-drift
	assert_success
	assert_equal "$(tables)" "a confiture_migrations slow1 slow2"
	assert_equal "$(q "$DB" "SELECT count(*) FROM slow1")" "1000"
}

@test "lock_timeout and statement_timeout come from the environment file" {
	unset CONFITURE_DATABASE_URL
	cat >db/environments/dev.yaml <<-YAML
	database_url: $DB
	migration:
	  statement_timeout: 200ms
	YAML
	migration . 1 slow "SELECT pg_sleep(2);"
	run --separate-stderr confiture migrate up -e dev
	assert_failure 6
	[[ "$stderr" == *"canceling statement due to statement timeout"* ]]
}
