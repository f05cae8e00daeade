#!/usr/bin/env bats
# conf-impact's estimate level: sizes, rows touched, blockers, the probe's durations, and that it changes nothing.

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
	q "$DB" "CREATE TABLE parent (id int PRIMARY KEY, name text);
	    INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 50) g;
	    CREATE SEQUENCE ticket;
	    CREATE TABLE t (id int PRIMARY KEY, parent_id int, v int, note text);
	    INSERT INTO t SELECT g, 1 + g % 50, g % 10, md5(g::text) FROM generate_series(1, 20000) g;
	    CREATE INDEX t_v ON t (v)"
	q "$DB" "VACUUM ANALYZE"
}

teardown() {
	if [ -n "${HOLDER:-}" ]; then
		kill "$HOLDER" 2>/dev/null || true
		wait "$HOLDER" 2>/dev/null || true
	fi
}

fingerprint() {
	db_fingerprint "$DB"
}

# hold_access_share [SQL]: another session reads t (or runs SQL) and stays idle in its
# transaction (fd 7 keeps it open).
hold_access_share() {
	mkfifo ctl
	psql "$DB" -qAtX -v ON_ERROR_STOP=1 <ctl >/dev/null &
	HOLDER=$!
	exec 7>ctl
	echo "BEGIN; ${1:-SELECT count(*) FROM t;}" >&7
	for _ in $(seq 300); do
		[ "$(q "$DB" "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" = 1 ] && return
		sleep 0.1
	done
	echo "the other session never got idle in its transaction" >&2
	return 1
}

# estimate [options]: conf-extract | conf-impact --db into out.ndjson.
estimate() {
	conf-extract >in.ndjson
	conf-impact --db "$DB" "$@" in.ndjson >out.ndjson
}

mig() {
	jq -c "select(.kind == \"impact\" and .scope == \"migration\" and .version == \"$1\")" out.ndjson
}

stmt() {
	jq -c "select(.kind == \"impact\" and .scope == \"statement\" and .version == \"$1\")" out.ndjson
}

@test "sizes come from the catalog, rows touched from EXPLAIN" {
	migration . 001 upd "UPDATE t SET note = 'x' WHERE v = 3;"
	estimate --sample-rows 0
	mig 001 >m
	jq -e '.sizes | length == 1' m
	jq -e '.sizes[0] | .table == "t" and .rows == 20000 and .indexes == 2 and .bytes > .table_bytes and .table_bytes > 0 and .index_bytes > 0' m
	stmt 001 >s
	# the planner's estimate of v = 3 over 20000 rows with 10 values
	jq -e '.rows_touched > 1500 and .rows_touched < 2500' s
	# --sample-rows 0: no probe, no durations
	jq -e 'has("est_ms") | not' m
}

@test "the probe times the statements on sampled copies and extrapolates to the table" {
	migration . 001 addcol "ALTER TABLE t ADD COLUMN w uuid DEFAULT gen_random_uuid();" "ALTER TABLE t DROP COLUMN w;"
	migration . 002 idx "CREATE INDEX t_note ON t (note);"
	estimate --sample-rows 2000
	stmt 001 >s1
	jq -e '.estimate.basis == "sample" and .estimate.table == "t" and .estimate.rows == 20000' s1
	jq -e '.estimate.samples | map(.rows) == [20, 2000] and all(.runs >= 1 and .runs <= 3)' s1
	jq -e '.estimate.model == "fixed + per row"' s1
	# extrapolated: more than the time measured on the sample
	jq -e '.est_ms > .estimate.samples[1].ms' s1
	mig 001 >m1
	jq -e '.est_ms > 0 and .rollback_est_ms >= 0 and .estimate.complete and .estimate.copies == "schema" and .estimate.sample_rows == 2000' m1
	jq -e '.reasons | any(test("ACCESS EXCLUSIVE on t, [0-9.]+ [kM]B, rewrite, ~[0-9.]+ (ms|s)$"))' m1
	stmt 002 >s2
	jq -e '.estimate.basis == "sample" and .est_ms > 0' s2
	# storage: a rewrite needs the table again while it runs; the index's size is extrapolated
	total=$(q "$DB" "SELECT pg_total_relation_size('t')")
	jq -e --argjson total "$total" '.est_peak_bytes > $total * 0.8 and (.est_bytes | type) == "number"' s1
	jq -e --argjson total "$total" '.est_peak_bytes > $total * 0.8' m1
	q "$DB" "CREATE INDEX t_note_real ON t (note)"
	index_bytes=$(q "$DB" "SELECT pg_relation_size('t_note_real')")
	q "$DB" "DROP INDEX t_note_real"
	jq -e --argjson real "$index_bytes" '.est_bytes > $real / 2 and .est_bytes < $real * 2' s2
	# a table that fits in the sample is copied whole: what ran is the estimate (by
	# default the sample is 50000 rows or 32 MB, whichever is more)
	estimate
	stmt 002 >s3
	jq -e '.estimate.basis == "full copy" and (.estimate.samples | length == 1)' s3
	jq -e '.est_ms == ((.estimate.samples[0].ms * 10 + 0.5) | floor) / 10' s3
}

@test "the estimate leaves schema, data and sequences unchanged" {
	before=$(fingerprint)
	migration . 001 many "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('ticket');
CREATE INDEX t_n ON t (n);
UPDATE t SET v = v + 1;
DELETE FROM t WHERE id < 10;
CREATE TABLE side (id int);
ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent (id);" "ALTER TABLE t DROP COLUMN n;"
	estimate --sample-rows 1000
	jq -e '.estimate.complete' <(mig 001)
	[ "$(fingerprint)" = "$before" ]
	[ "$(q "$DB" "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'confiture_probe%'")" = 0 ]
	[ "$(q "$DB" "SELECT last_value FROM ticket")" = 1 ]
	[ "$(q "$DB" "SELECT is_called FROM ticket")" = f ]
}

@test "a foreign key's target is copied with the rows the sample references" {
	migration . 001 fk "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent (id);"
	estimate --sample-rows 1000
	stmt 001 >s
	jq -e '.estimate.basis == "sample" and .estimate.table == "t" and .est_ms > 0' s
	mig 001 >m
	jq -e '.sizes | map(.table) | sort == ["parent", "t"]' m
}

@test "a statement whose real plan passes jit_above_cost is timed with JIT, and only then" {
	[ "$(q "$DB" "SELECT pg_jit_available()")" = t ] || skip "this server has no JIT provider"
	migration . 001 backfill "UPDATE t SET v = v + 1;"
	migration . 002 fk "ALTER TABLE t ADD CONSTRAINT t_parent FOREIGN KEY (parent_id) REFERENCES parent (id);"
	migration . 003 fk_later "ALTER TABLE t ADD CONSTRAINT t_parent2 FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;"
	# the server's default threshold (100000) is far above these plans (20000 rows)
	estimate --sample-rows 2000
	for v in 001 002 003; do
		stmt $v | jq -e '.estimate.basis == "sample" and (.estimate | has("jit") | not)'
	done
	# a threshold the UPDATE and the validation of the key pass, on the real table
	q "$DB" "ALTER DATABASE $(basename "$DB") SET jit_above_cost = 100"
	estimate --sample-rows 2000
	stmt 001 | jq -e '.estimate.jit == true and .est_ms > 0'
	stmt 002 | jq -e '.estimate.jit == true and .est_ms > 0'
	# NOT VALID checks nothing: no query to compile
	stmt 003 | jq -e '.estimate | has("jit") | not'
	# the probe set the threshold back: the database's own setting is untouched
	[ "$(q "$DB" "SHOW jit_above_cost")" = 100 ]
}

@test "VALIDATE CONSTRAINT is timed on copies holding the constraint NOT VALID; rows that violate it predict a failure" {
	q "$DB" "ALTER TABLE t ADD CONSTRAINT t_parent_nv FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
	    ALTER TABLE t ADD CONSTRAINT t_v_ok CHECK (v >= 0) NOT VALID;
	    ALTER TABLE t ADD CONSTRAINT t_v_low CHECK (v < 9) NOT VALID"
	migration . 001 fk "ALTER TABLE t VALIDATE CONSTRAINT t_parent_nv;"
	migration . 002 ok "ALTER TABLE t VALIDATE CONSTRAINT t_v_ok;"
	migration . 003 low "ALTER TABLE t VALIDATE CONSTRAINT t_v_low;"
	before=$(fingerprint)
	estimate --sample-rows 2000
	[ "$(fingerprint)" = "$before" ]
	stmt 001 | jq -e '.estimate.basis == "sample" and .estimate.table == "t" and .est_ms > 0'
	stmt 002 | jq -e '.estimate.basis == "sample" and .est_ms > 0'
	# a tenth of the rows have v = 9: the sample holds some, and validating fails on the
	# copy as it will on t (had the copy taken the CHECK as valid, VALIDATE would do nothing)
	stmt 003 | jq -e '.estimate.basis == "none" and .estimate.sqlstate == "23514" and (.estimate.reason | test("violated"))'
	mig 003 | jq -e '.risk == "high" and (.reasons | any(test("^fails on the probe.s copy")))'
	mig 001 | jq -e '.risk != "high"'
	# an orphan row: the whole table is copied (a sample above its size), the parent's copy
	# holds the rows the copy references, and validating the foreign key fails there
	q "$DB" "ALTER TABLE t DROP CONSTRAINT t_parent_nv; INSERT INTO t VALUES (0, 999, 1, 'orphan');
	    ALTER TABLE t ADD CONSTRAINT t_parent_nv FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID"
	before=$(fingerprint)
	estimate --sample-rows 50000
	[ "$(fingerprint)" = "$before" ]
	stmt 001 | jq -e '.estimate.basis == "none" and .estimate.sqlstate == "23503"'
	mig 001 | jq -e '.risk == "high"'
}

@test "a statement the probe must not run, or that fails there, is reported as not estimated" {
	migration . 001 qualified "ALTER TABLE public.t ADD COLUMN q int;"
	migration . 002 broken "ALTER TABLE t ADD COLUMN v int;"
	migration . 003 vacuum "VACUUM t;"
	migration . 004 conc "CREATE INDEX CONCURRENTLY t_c ON t (note);"
	estimate --sample-rows 1000
	jq -e '.estimate.basis == "none" and .estimate.reason == "public.t is not one of the probe'"'"'s copies"' <(stmt 001)
	jq -e '.estimate.basis == "none" and (.estimate.reason | test("column \"v\" of relation \"t\" already exists"))' <(stmt 002)
	jq -e '.estimate.basis == "none" and .estimate.reason == "cannot run in a transaction"' <(stmt 003)
	# CREATE INDEX CONCURRENTLY is timed in its plain form, and says so
	jq -e '.estimate.basis == "sample" and (.estimate.timed_as | test("without CONCURRENTLY"))' <(stmt 004)
	[ "$(q "$DB" "SELECT count(*) FROM pg_indexes WHERE indexname = 't_c'")" = 0 ]
	jq -e '.estimate.complete == false' <(mig 001)
	[ "$(q "$DB" "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'q'")" = 0 ]
	conf-impact --db "$DB" --format text in.ndjson >report
	grep -q "not estimated: public.t is not one of the probe's copies" report
	grep -q "estimated duration: .* (some statements not estimated)" report
}

@test "a role that may not create a schema gets temporary copies" {
	q "$DB" "CREATE ROLE est_reader LOGIN; GRANT SELECT ON t TO est_reader; REVOKE CREATE ON DATABASE ${DB##*/} FROM PUBLIC"
	before=$(fingerprint)
	migration . 001 addcol "ALTER TABLE t ADD COLUMN w int DEFAULT 1;"
	conf-extract >in.ndjson
	conf-impact --db "${DB/postgres@/est_reader@}" --sample-rows 1000 in.ndjson >out.ndjson
	jq -e '.estimate.copies == "temporary" and .est_ms >= 0' <(mig 001)
	jq -e '.estimate.basis == "sample"' <(stmt 001)
	[ "$(fingerprint)" = "$before" ]
}

@test "a session holding a conflicting lock is a blocker and makes the risk high" {
	hold_access_share
	migration . 001 addcol "ALTER TABLE t ADD COLUMN w int;"
	migration . 002 idx "CREATE INDEX t_note ON t (note);"
	estimate --sample-rows 0
	mig 001 >m1
	jq -e '.blockers | length == 1' m1
	jq -e '.blockers[0] | .table == "t" and .mode == "ACCESS SHARE" and .granted and .state == "idle in transaction" and .pid > 0' m1
	jq -e '.risk == "high" and (.reasons | any(test("^session [0-9]+ \\(idle in transaction.*\\) holds ACCESS SHARE on t, which conflicts$")))' m1
	# CREATE INDEX takes SHARE, which ACCESS SHARE does not block
	jq -e '.blockers == []' <(mig 002)
	exec 7>&-
}

@test "a table locked ACCESS EXCLUSIVE by another session: sizes from the catalog, the blocker named, nothing waits long" {
	hold_access_share "LOCK TABLE t IN ACCESS EXCLUSIVE MODE;"
	migration . 001 upd "UPDATE t SET v = 0 WHERE id = 1;"
	migration . 002 idx "CREATE INDEX t_note ON t (note);"
	conf-extract >in.ndjson
	run --separate-stderr conf-impact --db "$DB" --sample-rows 1000 in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	mig 002 >m
	jq -e '.sizes[0] | .sizes_from == "pg_class.relpages: the table is locked" and .rows == 20000 and .bytes > 0' m
	jq -e '.blockers[0] | .mode == "ACCESS EXCLUSIVE" and .state == "idle in transaction"' m
	jq -e '.risk == "high"' m
	# the probe could not sample it: not estimated, and said why
	jq -e '.estimate.basis == "none" and (.estimate.reason | test("^could not copy t: .*lock timeout"))' <(stmt 002)
	exec 7>&-
}

@test "--estimate finds the database the way conf-apply does; an unreachable one is exit 3" {
	printf 'database_url: %s\n' "$DB" >db/environments/prod.yaml
	migration . 001 upd "UPDATE t SET v = 0 WHERE id = 1;"
	conf-extract >in.ndjson
	run --separate-stderr conf-impact -e prod --estimate --sample-rows 0 in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e '.rows_touched == 1' <(stmt 001)
	printf 'database_url: postgresql://nobody:sekrit@127.0.0.1:1/none\n' >db/environments/gone.yaml
	run --separate-stderr conf-impact -e gone --estimate in.ndjson
	assert_failure 3
	[[ "$stderr" != *sekrit* ]]
	printf '%s\n' "$output" >err.ndjson
	jq -e 'select(.kind == "error") | .code == 3' err.ndjson
	run --separate-stderr conf-impact --trial in.ndjson
	assert_failure 2
	[[ "$stderr" == *"--trial needs a database"* ]]
	run --separate-stderr conf-impact --db "$DB" --sample-rows lots in.ndjson
	assert_failure 2
}

@test "migrate up --dry-run estimates on the target; the --max-risk gate sees the same blockers" {
	migration . 001 addcol "ALTER TABLE t ADD COLUMN w int;" "ALTER TABLE t DROP COLUMN w;"
	run --separate-stderr confiture migrate up --dry-run --db "$DB"
	assert_success
	assert_line "  table t: 20000 rows, $(q "$DB" "SELECT round(pg_total_relation_size('t') / 1e6, 1)") MB (2 indexes, $(q "$DB" "SELECT round(pg_indexes_size('t') / 1e3)") kB)"
	assert_line --regexp '^  estimated duration: [0-9.]+ m?s; rollback [0-9.]+ m?s$'
	hold_access_share
	run --separate-stderr confiture migrate up --dry-run --max-risk medium --db "$DB"
	assert_failure 1
	assert_line "up 001_addcol: risk high"
	run --separate-stderr confiture migrate up --max-risk medium --db "$DB"
	assert_failure 1
	[[ "$stderr" == *"001_addcol: high (session "*"holds ACCESS SHARE on t, which conflicts)"* ]]
	[ "$(q "$DB" "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'w'")" = 0 ]
	# closing the fifo ends the holding session; it may be gone before the kill
	exec 7>&-
	kill "$HOLDER" 2>/dev/null || true
	wait "$HOLDER" 2>/dev/null || true
	HOLDER=
	run --separate-stderr confiture migrate up --max-risk medium --db "$DB"
	assert_success
	[ "$(q "$DB" "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'w'")" = 1 ]
}

@test "the dry-run guide's examples run as written" {
	cp -r "$CONF_ROOT/examples/blog" "$BATS_TEST_TMPDIR/blog"
	rm -rf "$BATS_TEST_TMPDIR/blog/.confiture"
	cd "$BATS_TEST_TMPDIR/blog"
	SERVER="$SANDBOX_URL" run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/dry-run-mode.md"
	assert_success
	# high here (a rewrite of two seconds); medium on a machine that rewrites it in under one
	assert_line --regexp '^up 20260301000000_add_slug: risk (high|medium)$'
	assert_line --regexp '^  db/migrations/20260301000000_add_slug.up.sql:2  AlterTableStmt: ACCESS EXCLUSIVE posts; rewrite; ~[0-9.]+ m?s$'
	assert_line --regexp '^      trial: ACCESS EXCLUSIVE posts; rewrite; [0-9.]+ ms$'
	assert_output --regexp "migration risk is (high|medium), above --max-risk low"
	[ "$(q "${SANDBOX_URL%/*}/dryrun_guide" "SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_created_at_idx'")" = 0 ]
}
