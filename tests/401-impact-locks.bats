#!/usr/bin/env bats
# conf-impact's static lock facts against the locks PostgreSQL 15 takes, form by form (tests/impact/lock-forms.tsv).

load helpers/common

FORMS="$BATS_TEST_DIRNAME/impact/lock-forms.tsv"

# What the trial must leave as it was: relations and their files, rows, a sequence.
FINGERPRINT="SELECT md5(string_agg(c.relname || ':' || c.relkind::text || ':' || c.relfilenode, ','
    ORDER BY c.relname)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('public', 'archive')
  UNION ALL SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o
  UNION ALL SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM users u
  UNION ALL SELECT last_value::text FROM ticket_seq"

# One database and one fixture serve every form: each form is a migration of
# its own, and the trial rolls each migration back.  conf-impact runs once,
# here; the tests read what it wrote, joined with the table, in forms.ndjson.
setup_file() {
	local n=0 rc lock rewrite trial sql

	sandbox_start
	export LOCKS_DIR="$BATS_FILE_TMPDIR/locks"
	export LOCKS_DB="${SANDBOX_URL%/*}/locks"
	mkdir -p "$LOCKS_DIR/project/db/migrations" "$LOCKS_DIR/project/db/schema"
	PGOPTIONS="-c client_min_messages=warning" psql "$SANDBOX_URL" -qAtX \
	    -c "DROP DATABASE IF EXISTS locks" -c "CREATE DATABASE locks" >/dev/null
	psql "$LOCKS_DB" -qAtX -v ON_ERROR_STOP=1 -f "$BATS_TEST_DIRNAME/impact/lock-fixture.sql" >/dev/null
	q "$LOCKS_DB" "$FINGERPRINT" >"$LOCKS_DIR/before"
	# Every index of the fixture and its table: static facts name an index where the SQL does.
	q "$LOCKS_DB" "SELECT json_object_agg(i.indexrelid::regclass::text, i.indrelid::regclass::text)
	    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	    WHERE c.relnamespace IN ('public'::regnamespace, 'archive'::regnamespace)" >"$LOCKS_DIR/indexes.json"
	while IFS=$'\t' read -r lock rewrite trial sql; do
		case $lock in '#'* | '') continue ;; esac
		n=$((n + 1))
		migration "$LOCKS_DIR/project" "$(printf %03d "$n")" form "$sql;"
	done <"$FORMS"
	echo "$n" >"$LOCKS_DIR/nforms"
	cd "$LOCKS_DIR/project"
	conf-extract >"$LOCKS_DIR/in.ndjson"
	rc=0
	conf-impact --db "$LOCKS_DB" --trial "$LOCKS_DIR/in.ndjson" >"$LOCKS_DIR/out.ndjson" \
	    2>"$LOCKS_DIR/stderr" || rc=$?
	echo "$rc" >"$LOCKS_DIR/rc"
	# One line per form: the table's columns, the static facts, the observation.
	# Static locks on an index are mapped to its table; locks become sorted
	# "table=MODE" lists.
	jq -cnR --slurpfile out "$LOCKS_DIR/out.ndjson" --slurpfile idx "$LOCKS_DIR/indexes.json" '
	    def modes: ["", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
	        "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"];
	    def rank: . as $m | modes | index($m);
	    def set: map("\(.table)=\(.mode)") | sort;
	    [$out[] | select(.kind == "impact" and .scope == "statement")] as $imp
	    | [inputs | select(length > 0 and (startswith("#") | not)) | split("\t")]
	    | to_entries[]
	    | (.key + 1) as $n | .value as $f
	    | $imp[] | select(.version | tonumber == $n)
	    | {n: $n, sql: $f[3], lock: ($f[0] | if . == "-" then "" else . end),
	       rewrite: ($f[1] == "yes"), trial: $f[2],
	       static: {lock, rewrite, transactional,
	           locks: (.locks | map(.table = ($idx[0][.table] // .table)) | group_by(.table)
	               | map(max_by(.mode | rank)) | set)},
	       observed: (.observed | if .locks then .locks |= set else . end),
	       lock_matches}' <"$FORMS" >"$LOCKS_DIR/forms.ndjson"
}

teardown_file() {
	sandbox_stop
}

# each_form COND MESSAGE: print every form for which the jq condition COND
# is false, with the jq string MESSAGE; fail when there is one.
each_form() {
	jq -r "select(($1) | not) | \"form \(.n): \(.sql)\n    \" + ($2)" \
	    "$LOCKS_DIR/forms.ndjson" >"$BATS_TEST_TMPDIR/failures"
	if [ -s "$BATS_TEST_TMPDIR/failures" ]; then
		cat "$BATS_TEST_TMPDIR/failures"
		return 1
	fi
}

@test "the trial runs every form of the table on the fixture, one rolled-back migration each" {
	[ "$(cat "$LOCKS_DIR/rc")" = 0 ] || { cat "$LOCKS_DIR/stderr"; return 1; }
	jq -se 'last | .kind == "end"' "$LOCKS_DIR/out.ndjson"
	n=$(cat "$LOCKS_DIR/nforms")
	[ "$n" -ge 40 ]
	[ "$(wc -l <"$LOCKS_DIR/forms.ndjson")" -eq "$n" ]
	each_form '.observed.error == null' '"failed: \(.observed.error)"'
	each_form '.trial == "skip" or (.observed.skipped | not)' '"skipped: \(.observed.reason)"'
	[ "$(q "$LOCKS_DB" "$FINGERPRINT")" = "$(cat "$LOCKS_DIR/before")" ]
}

@test "static lock: every form gets the mode lock-forms.tsv expects" {
	each_form '.static.lock == .lock' '"static \(.static.lock | @json), table \(.lock | @json)"'
}

@test "static lock is the strongest lock PostgreSQL takes (lock_matches)" {
	each_form '.trial == "skip" or (.static.lock == .observed.lock and .lock_matches)' \
	    '"static \(.static.lock | @json), observed \(.observed.lock | @json)"'
}

@test "static locks name each table with the mode PostgreSQL takes on it" {
	each_form '.trial != "run" or .static.locks == .observed.locks' \
	    '"static \(.static.locks), observed \(.observed.locks)"'
}

@test "known gaps: every static lock is observed, PostgreSQL locks more tables than the SQL names" {
	[ "$(jq -s 'map(select(.trial == "gap")) | length' "$LOCKS_DIR/forms.ndjson")" -ge 1 ]
	each_form '.trial != "gap" or ((.static.locks - .observed.locks) == [] and (.observed.locks - .static.locks) != [])' \
	    '"static \(.static.locks), observed \(.observed.locks) (fixed? mark the form run)"'
}

@test "static rewrite agrees with the table and with the relfilenodes the trial saw change" {
	each_form '.static.rewrite == .rewrite' '"static rewrite \(.static.rewrite), table \(.rewrite)"'
	each_form '.trial == "skip" or (.observed.rewritten | length > 0) == .rewrite' \
	    '"table rewrite \(.rewrite), observed rewritten \(.observed.rewritten)"'
}

@test "forms that cannot run in a transaction are marked so and reported skipped" {
	[ "$(jq -s 'map(select(.trial == "skip")) | length' "$LOCKS_DIR/forms.ndjson")" -ge 1 ]
	each_form '.static.transactional == (.trial != "skip")' '"transactional \(.static.transactional)"'
	each_form '.trial != "skip" or (.observed.skipped and .observed.reason == "cannot run in a transaction")' \
	    '"observed \(.observed)"'
}
