#!/usr/bin/env bats
# Hooks: external executables at before_validate, before_apply, after_apply, on_error.

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
	migration "$P" 1 create_a "CREATE TABLE a (id int); INSERT INTO a VALUES (1), (2), (3);" "DROP TABLE a;"
	migration "$P" 2 create_b "CREATE TABLE b (id int);" "DROP TABLE b;"
}

# recorder POINT [NAME]: a hook that appends the context it received to hooks.log.
recorder() {
	mkdir -p "db/hooks/$1.d"
	printf '#!/bin/sh\n{ cat; echo; } >> hooks.log\n' >"db/hooks/$1.d/${2:-10-record}"
	chmod +x "db/hooks/$1.d/${2:-10-record}"
}

# hook POINT NAME BODY: a shell hook.
hook() {
	mkdir -p "db/hooks/$1.d"
	printf '#!/bin/sh\n%s\n' "$3" >"db/hooks/$1.d/$2"
	chmod +x "db/hooks/$1.d/$2"
}

# alive PID: the process exists and is not a zombie waiting for a parent to reap it.
alive() {
	local state
	state=$(ps -o stat= -p "$1") || return 1
	[[ "$state" != Z* ]]
}

record_all() {
	for p in before_validate before_apply after_apply on_error; do recorder "$p"; done
}

# The points and migration ids of hooks.log, one "point id" per line.
sequence() {
	jq -r '"\(.point) \(.migration_id // "-")"' hooks.log
}

@test "hooks fire at every point in order for migrate up, with the run's context" {
	record_all
	run --separate-stderr confiture migrate up --db "$DB"
	assert_success
	[ "$(sequence)" = "before_validate -
before_apply 1
after_apply 1
before_apply 2
after_apply 2" ]
	# every context has the plan's fields
	jq -e -s 'all(.[]; has("migration_id") and has("migration_name") and has("source_schema")
	    and has("target_schema") and has("tables_affected") and has("rows_affected")
	    and has("timestamp") and has("user_id") and has("environment") and has("metadata")
	    and .migration_type == "migrate_up")' hooks.log
	jq -e -s '.[0].migrations | map(.id) == ["1", "2"]' hooks.log
	jq -e -s '.[1] | .migration_name == "create_a" and .tables_affected == ["a"]
	    and .rows_affected == {} and (.source_schema | endswith("1_create_a.up.sql"))' hooks.log
	jq -e -s '.[2] | .rows_affected == {"a": 3} and .result.status == "applied"' hooks.log
	jq -e -s '[.[].run_id] | unique | length == 1' hooks.log
	jq -e -s '.[0].target_schema | endswith("/t'"$BATS_TEST_NUMBER"'_db")' hooks.log
	# the summary shows each execution
	[ "$(grep -c '^hook ' <<<"$output")" -eq 5 ]
	[ ! -e on_error.seen ]
}

@test "hooks fire for migrate down and build with their run type" {
	record_all
	confiture migrate up --db "$DB" --no-hooks >/dev/null
	[ ! -e hooks.log ]
	run --separate-stderr confiture migrate down --steps 2 --db "$DB"
	assert_success
	[ "$(sequence)" = "before_validate -
before_apply 2
after_apply 2
before_apply 1
after_apply 1" ]
	jq -e -s 'all(.[]; .migration_type == "migrate_down")' hooks.log
	jq -e -s '.[1].direction == "down"' hooks.log
	rm hooks.log
	printf 'CREATE TABLE s (id int);\n' >db/schema/s.sql
	run --separate-stderr confiture build --db "$(new_db build)"
	assert_success
	[ "$(jq -r .point hooks.log | tr '\n' ' ')" = "before_validate before_apply after_apply " ]
	jq -e -s 'all(.[]; .migration_type == "build") and .[1].migration_name == "schema"
	    and .[1].tables_affected == ["s"]' hooks.log
}

@test "a failing before_apply hook leaves the database untouched and runs on_error" {
	recorder on_error
	hook before_apply 10-veto 'echo "not today" >&2; exit 3'
	run --separate-stderr confiture migrate up --db "$DB" --format json
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"hook before_apply/10-veto failed: exit 3"* ]]
	[[ "$stderr" == *"hook before_apply/10-veto: not today"* ]]
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b')")" = 0 ]
	[ "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" = 0 ]
	jq -e '.point == "on_error" and .migration_id == "1"
	    and (.error.message | contains("10-veto failed")) and .error.code == 5' hooks.log
	jq -e '.hooks | map(.point + ":" + .status) == ["before_apply:failed", "on_error:ok"]' <<<"$output"
	jq -e '.hooks[0].exit_code == 3 and (.hooks[0].output | contains("not today"))' <<<"$output"
}

@test "a hook that outlives its timeout is killed with its children within a second" {
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  before_validate:
    - name: slow
      command: [./slow.sh]
      timeout: 1
EOF
	printf '#!/bin/sh\nsleep 60 &\necho $! > child.pid\nsleep 60\n' >slow.sh
	chmod +x slow.sh
	run --separate-stderr confiture migrate up -e test --format json
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"timed out after 1 s"* ]]
	jq -e '.hooks[0] | .timed_out and .signal != null and .duration_ms >= 1000 and .duration_ms < 2000' <<<"$output"
	sleep 0.2
	run ! alive "$(cat child.pid)"
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'a'")" = 0 ]
}

@test "a hook that runs confiture again stops at the depth limit" {
	hook before_validate 10-recurse 'echo ran >> depth.log; cat >/dev/null; exec confiture hooks run before_validate'
	run --separate-stderr confiture migrate up --db "$DB"
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"hooks nested 3 deep"* ]]
	[ "$(wc -l <depth.log)" -eq 3 ]
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'a'")" = 0 ]
}

@test "a failing after_apply hook keeps the committed migration recorded and exits 5" {
	recorder on_error
	hook after_apply 10-fail 'exit 1'
	run --separate-stderr confiture migrate up --db "$DB"
	[ "$status" -eq 5 ]
	[[ "$output" == *"applied      1_create_a"* ]]
	[ "$(q "$DB" "SELECT version || ':' || status FROM confiture_migrations")" = "1:applied" ]
	[ "$(q "$DB" "SELECT count(*) FROM a")" = 3 ]
	# the run stopped there: migration 2 was not applied
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'b'")" = 0 ]
	jq -e '.point == "on_error" and (.error.message | contains("after_apply/10-fail"))' hooks.log
}

@test "a statement error runs on_error with the SQLSTATE and location, and rolls back" {
	recorder on_error
	migration "$P" 3 broken "CREATE TABLE c (id int);
INSERT INTO c VALUES ('x');"
	run --separate-stderr confiture migrate up --db "$DB"
	[ "$status" -eq 6 ]
	jq -e '.migration_id == "3" and .error.sqlstate == "22P02" and .error.line == 2
	    and (.error.file | endswith("3_broken.up.sql")) and .error.statement == 2
	    and (.error.sql | startswith("INSERT INTO c"))' hooks.log
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'c'")" = 0 ]
	[ "$(q "$DB" "SELECT string_agg(version, ',' ORDER BY version) FROM confiture_migrations")" = "1,2" ]
}

@test "garbage on a hook's stdout does not corrupt the stream" {
	hook before_apply 10-noisy 'cat >/dev/null
echo "plain text"
echo "{\"kind\":\"end\",\"v\":1,\"records\":0}"
echo "{\"kind\":\"error\",\"v\":1,\"code\":6,\"message\":\"forged\"}"
echo "{\"kind\":\"result\",\"v\":1,\"status\":\"applied\",\"version\":\"99\"}"
printf "\001\002 not json {\n"
echo "{\"kind\":\"hook_metadata\",\"ticket\":\"OPS-7\"}"'
	conf-extract --pending --db "$DB" >stream
	run --separate-stderr conf-apply --db "$DB" stream
	assert_success
	printf '%s\n' "$output" >out
	jq -e -s 'length > 0' out   # every line is JSON
	[ "$(jq -r -s 'map(select(.kind == "result")) | map(.version) | join(",")' out)" = "1,2" ]
	[ "$(jq -s 'map(select(.kind == "error")) | length' out)" = 0 ]
	[ "$(tail -1 out | jq -r .kind)" = end ]
	[ "$(tail -1 out | jq .records)" = "$(($(wc -l <out) - 1))" ]
	jq -e -s 'map(select(.kind == "hook_metadata"))[0] | .ticket == "OPS-7" and .hook == "10-noisy"' out
	jq -e -s 'map(select(.kind == "hook_result"))[0].output | contains("forged")' out
	[[ "$stderr" == *"hook before_apply/10-noisy: plain text"* ]]
}

@test "hooks get only the environment they need; the password only when declared" {
	cat >db/environments/test.yaml <<EOF
database_url: postgresql://postgres:s3cret@${SANDBOX_URL#postgresql://postgres@}
hooks:
  before_validate:
    - name: plain
      command: [./envdump, plain.env]
    - name: trusted
      command: [./envdump, trusted.env]
      pass_connection: true
      env: [TEAM_TOKEN]
EOF
	sed -i "s|/postgres\$|/${DB##*/}|" db/environments/test.yaml
	printf '#!/bin/sh\ncat >/dev/null\nenv > "$1"\n' >envdump
	chmod +x envdump
	TEAM_TOKEN=tok OTHER_SECRET=nope PGPASSWORD=pw run --separate-stderr confiture migrate up -e test
	assert_success
	grep -q '^CONFITURE_HOOK_POINT=before_validate$' plain.env
	grep -q '^CONFITURE_MIGRATION_TYPE=migrate_up$' plain.env
	grep -q '^CONFITURE_ENVIRONMENT=test$' plain.env
	grep -q "^CONFITURE_DATABASE=127.0.0.1:.*/${DB##*/}\$" plain.env
	run ! grep -q 's3cret' plain.env
	run ! grep -q 'OTHER_SECRET\|PGPASSWORD\|TEAM_TOKEN' plain.env
	grep -q '^TEAM_TOKEN=tok$' trusted.env
	grep -q '^CONFITURE_DATABASE_URL=.*s3cret' trusted.env
	run ! grep -q 'OTHER_SECRET' trusted.env
	[[ "$output$stderr" != *s3cret* ]]
}

@test "on_failure warn goes on; run_types and non-executables are honoured" {
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  before_apply:
    - name: flaky
      command: [sh, -c, "cat >/dev/null; exit 9"]
      on_failure: warn
    - name: only-down
      command: [sh, -c, "cat >/dev/null; touch down-ran"]
      run_types: [migrate_down]
EOF
	mkdir -p db/hooks/before_apply.d
	echo 'touch should-not-run' >db/hooks/before_apply.d/20-not-executable
	run --separate-stderr confiture migrate up -e test --format json
	assert_success
	[[ "$stderr" == *"20-not-executable is not executable; skipped"* ]]
	[ ! -e should-not-run ]
	[ ! -e down-ran ]
	jq -e '[.hooks[] | .hook + ":" + .status] == ["flaky:warned", "flaky:warned"]' <<<"$output"
	[ "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" = 2 ]
	run --separate-stderr confiture migrate down -e test
	assert_success
	[ -e down-ran ]
}

@test "a bad hook declaration is reported with its file and line" {
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  before_apply:
    - name: x
      command: [true]
      on_failure: sometimes
EOF
	run --separate-stderr confiture migrate up -e test
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"db/environments/test.yaml:6:"*"on_failure is abort or warn"* ]]
	printf 'hooks:\n  after_everything: []\n' >db/environments/bad.yaml
	run --separate-stderr confiture hooks list -e bad
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"bad.yaml:2:"*"unknown hook point"* ]]
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'a'")" = 0 ]
}

@test "conf-hook in a pipeline: truncated input runs on_error and passes nothing on; upstream errors pass through" {
	recorder on_error
	recorder before_validate
	conf-extract --pending --db "$DB" | head -n 2 >truncated
	run --separate-stderr conf-hook before_validate truncated
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$output" | jq -r .kind | tr '\n' ' ')" = "hook_result error " ]
	printf '%s\n' "$output" | tail -1 | jq -e '.on_error_fired == true'
	[ "$(jq -r .point hooks.log)" = on_error ]
	rm hooks.log
	printf '%s\n' '{"kind":"error","v":1,"source":"conf-lint","code":1,"message":"lint said no"}' >err
	run --separate-stderr conf-hook before_validate err
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r .message)" = "lint said no" ]
	[ ! -e hooks.log ]
	# conf-apply then runs on_error for it, once
	run --separate-stderr conf-apply --db "$DB" err
	[ "$status" -eq 1 ]
	jq -e '.point == "on_error" and .error.message == "lint said no"' hooks.log
}

@test "the pipelines/ scripts fire the same hooks as confiture" {
	record_all
	run --separate-stderr "$CONF_ROOT/pipelines/migrate-up" --db "$DB"
	assert_success
	[ "$(sequence)" = "before_validate -
before_apply 1
after_apply 1
before_apply 2
after_apply 2" ]
	jq -e -s '[.[].run_id] | unique | length == 1' hooks.log
}

@test "hooks list and hooks run show and try a project's hooks" {
	recorder before_apply
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  after_apply:
    - name: audit
      command: [./audit.py]
      timeout: 5
EOF
	run --separate-stderr confiture hooks list -e test
	assert_success
	assert_line --regexp '^before_apply +10-record +30s abort db/hooks/before_apply.d/10-record$'
	assert_line --regexp '^after_apply +audit +5s abort db/environments/test.yaml:4$'
	echo '{"migration_id":"77","migration_name":"trial"}' >ctx.json
	run --separate-stderr confiture hooks run before_apply --context ctx.json -e test
	assert_success
	jq -e '.migration_id == "77" and .point == "before_apply" and .environment == "test"' hooks.log
}

@test "the example hooks in shell, Python and C work as documented" {
	ex="$CONF_ROOT/docs/examples/hooks"
	mkdir -p db/hooks/before_apply.d db/hooks/after_apply.d
	cp "$ex/deploy-freeze.sh" db/hooks/before_apply.d/10-deploy-freeze
	cp "$ex/audit.py" db/hooks/after_apply.d/10-audit
	cc -o db/hooks/before_apply.d/20-require-ticket "$ex/require-ticket.c" -lcjson
	# no ticket: refused before anything is applied
	run --separate-stderr confiture migrate up --db "$DB"
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"require-ticket: no change ticket for migration 1"* ]]
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'a'")" = 0 ]
	# a freeze: refused by the shell hook
	echo "release week" >db/FREEZE
	run --separate-stderr confiture migrate up --db "$DB"
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"deploy freeze: release week"* ]]
	rm db/FREEZE
	# with a ticket declared in the environment: applied and audited
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  before_apply:
    - name: 20-require-ticket
      metadata: {ticket: OPS-42}
EOF
	run --separate-stderr confiture migrate up -e test --format json
	assert_success
	[ "$(wc -l <audit.ndjson)" -eq 2 ]
	jq -e -s '.[0] | .migration == "1" and .rows == {"a": 3} and .tables == ["a"]' audit.ndjson
	jq -e '[.hooks[] | select(.hook == "20-require-ticket") | .metadata.approved_by_ticket] == ["OPS-42", "OPS-42"]' <<<"$output"
	jq -e '[.hooks[] | select(.hook == "10-audit") | .metadata.audit_entry] == [1, 2]' <<<"$output"
}

@test "builtin backup dumps the database before each migration and names the file" {
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  before_apply:
    - name: backup
      builtin: backup
      options: {dir: dumps}
      run_types: [migrate_up]
    - name: backup-affected
      builtin: backup
      options: {dir: dumps-affected, tables: affected}
      run_types: [migrate_down]
EOF
	run --separate-stderr confiture migrate up -e test --format json
	assert_success
	[ "$(ls dumps | wc -l)" -eq 2 ]
	file=$(jq -r '.hooks[1].metadata.backup_file' <<<"$output")
	[[ "$file" == dumps/t*_db-2-*.dump ]]
	[ -s "$file" ]
	# the dump taken before migration 2 holds table a with its rows, not table b
	pg_restore -l "$file" >toc
	grep -q 'TABLE DATA public a ' toc
	run ! grep -q 'TABLE public b ' toc
	run --separate-stderr confiture migrate down -e test --format json
	assert_success
	f2=$(jq -r '.hooks[] | select(.hook == "backup-affected") | .metadata.backup_file' <<<"$output")
	pg_restore -l "$f2" >toc2
	grep -q 'TABLE public b ' toc2
	run ! grep -q 'TABLE public a ' toc2
}

@test "builtin notify posts the context to a webhook or a command, and reports failures" {
	python3 "$CONF_ROOT/tests/helpers/webhook.py" port posted 3>&- &
	server=$!
	for _ in $(seq 50); do [ -f port ] && break; sleep 0.1; done
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  after_apply:
    - name: webhook
      builtin: notify
      options: {url: "http://127.0.0.1:$(cat port)/ok"}
    - name: mail
      builtin: notify
      options: {command: "cat > mail.json"}
EOF
	run --separate-stderr confiture migrate up -e test
	assert_success
	[ "$(wc -l <posted)" -eq 2 ]
	jq -e -s 'map(.migration_id) == ["1", "2"] and .[0].point == "after_apply"' posted
	jq -e '.migration_id == "2"' mail.json
	sed -i 's|/ok"|/fail"|' db/environments/test.yaml
	migration "$P" 3 create_c "CREATE TABLE c (id int);"
	run --separate-stderr confiture migrate up -e test --format json
	kill "$server"
	[ "$status" -eq 5 ]
	[[ "$stderr" == *"notify: the webhook answered: the receiver is down"* ]]
	jq -e '.hooks[0] | .status == "failed" and (.output | contains("POST to the webhook failed"))' <<<"$output"
	# migration 3 committed before the hook ran: it stays recorded
	[ "$(q "$DB" "SELECT count(*) FROM confiture_migrations")" = 3 ]
}

@test "builtin log appends every context and result as NDJSON" {
	cat >db/environments/test.yaml <<EOF
database_url: $DB
hooks:
  before_apply:
    - {name: log, builtin: log, options: {file: run.log}}
  after_apply:
    - {name: log, builtin: log, options: {file: run.log}}
EOF
	confiture migrate up -e test >/dev/null
	[ "$(wc -l <run.log)" -eq 4 ]
	jq -e -s 'map(.kind + ":" + .point + ":" + .context.migration_id)
	    == ["hook_log:before_apply:1", "hook_log:after_apply:1", "hook_log:before_apply:2", "hook_log:after_apply:2"]' run.log
	jq -e -s '.[1].context.result.status == "applied" and .[1].context.rows_affected == {"a": 3}' run.log
}

@test "the hooks guide's examples run as written" {
	cp -r "$CONF_ROOT/examples/blog" "$BATS_TEST_TMPDIR/blog"
	rm -rf "$BATS_TEST_TMPDIR/blog/.confiture"
	cd "$BATS_TEST_TMPDIR/blog"
	SERVER="$SANDBOX_URL" run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/migration-hooks.md"
	assert_success
	local port=${SANDBOX_URL##*:}
	[[ "$stderr" == *"hook before_apply/10-announce: about to apply 20260101120000 (add_published_at) to 127.0.0.1:${port%%/*}/hooks_guide"* ]]
	assert_line --partial "hook before_apply/05-freeze failed: exit 1"
	# one from migrate up, one from hooks run (it runs the hooks for real)
	[ "$(ls backups | wc -l)" -eq 2 ]
	[ "$(jq -r .context.migration_id migrations.log)" = 20260201100000 ]
}

@test "a lint stop comes after before_validate and runs on_error" {
	recorder before_validate
	recorder on_error
	migration "$P" 3 wipe "DELETE FROM a;"
	run --separate-stderr confiture migrate up --db "$DB"
	[ "$status" -eq 1 ]
	[ "$(jq -r .point hooks.log | tr '\n' ' ')" = "before_validate on_error " ]
	jq -e -s '.[1].error.source == "conf-lint" and (.[1].error.message | contains("nothing was applied"))' hooks.log
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'a'")" = 0 ]
}
