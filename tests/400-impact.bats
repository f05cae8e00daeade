#!/usr/bin/env bats
# conf-impact static level: lock modes, rewrites, scans, pass-through, the risk gate.

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
}

# impact_of SQL: the statement impact record of a one-statement migration.
impact_of() {
	migration . 001 m "$1;"
	conf-extract >in.ndjson
	conf-impact in.ndjson >out.ndjson
	jq -c 'select(.kind == "impact" and .scope == "statement")' out.ndjson
}

@test "a foreign key locks its target SHARE ROW EXCLUSIVE and scans unless NOT VALID" {
	out=$(impact_of "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)")
	[ "$(jq -r '.locks | map(.table + "=" + .mode) | sort | join(",")' <<<"$out")" = "orders=SHARE ROW EXCLUSIVE,users=SHARE ROW EXCLUSIVE" ]
	[ "$(jq -r .effect <<<"$out")" = scan ]
	out=$(impact_of "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")
	[ "$(jq -r .effect <<<"$out")" = metadata ]
}

@test "rewrite, scan and metadata-only are told apart" {
	[ "$(impact_of "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp()" | jq -r .effect)" = rewrite ]
	[ "$(impact_of "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()" | jq -r .effect)" = metadata ]
	[ "$(impact_of "ALTER TABLE t ALTER COLUMN c TYPE bigint" | jq -r .effect)" = rewrite ]
	[ "$(impact_of "ALTER TABLE t ALTER COLUMN c SET NOT NULL" | jq -r '.effect + " " + .lock')" = "scan ACCESS EXCLUSIVE" ]
	[ "$(impact_of "CREATE INDEX i ON t (c)" | jq -r '.effect + " " + .lock')" = "scan SHARE" ]
	[ "$(impact_of "UPDATE t SET c = 1" | jq -r '.effect + " " + .lock')" = "rows ROW EXCLUSIVE" ]
}

@test "statements that cannot run in a transaction are marked" {
	out=$(impact_of "CREATE INDEX CONCURRENTLY i ON t (c)")
	[ "$(jq -r '.transactional, .lock, .txn_reason' <<<"$out" | paste -sd/)" = "false/SHARE UPDATE EXCLUSIVE/CREATE INDEX CONCURRENTLY" ]
}

@test "impact records come first, then the input unchanged, then the end record" {
	migration . 001 a "CREATE TABLE a (id int PRIMARY KEY);" "DROP TABLE a;"
	migration . 002 b "ALTER TABLE a ADD COLUMN b int;"
	conf-extract >in.ndjson
	run --separate-stderr conf-impact in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	[ "$(jq -r '.kind + ":" + (.scope // "")' out.ndjson | paste -sd' ')" = "impact:statement impact:migration impact:statement impact:migration migration: statement: migration: statement: end:" ]
	diff -u in.ndjson <(grep -v '"kind":"impact"' out.ndjson | grep -v '"kind":"end"' ; tail -1 in.ndjson) >/dev/null || {
		diff -u <(grep -v '"kind":"end"' in.ndjson) <(grep -v '"kind":"impact"' out.ndjson | grep -v '"kind":"end"'); return 1; }
	jq -se '.[] | select(.kind == "end") | .records == 8' out.ndjson
	jq -se '.[] | select(.kind == "impact" and .scope == "migration" and .version == "001") | .reversible == true and .risk == "low"' out.ndjson
	jq -se '.[] | select(.kind == "impact" and .scope == "migration" and .version == "002") | .reversible == false and .risk == "medium"' out.ndjson
}

@test "--format text writes a report" {
	migration . 001 idx "CREATE INDEX i ON t (c);"
	conf-extract >in.ndjson
	run --separate-stderr conf-impact --format text in.ndjson
	assert_success
	assert_line "up 001_idx: risk high"
	assert_line "  locks: SHARE t"
	assert_output --partial "use CREATE INDEX CONCURRENTLY"
}

@test "--max-risk stops the pipeline before conf-apply applies anything" {
	DB=$(new_db)
	q "$DB" "CREATE TABLE t (c int)"
	migration . 001 ok "CREATE TABLE u (id int);"
	migration . 002 idx "CREATE INDEX i ON t (c);"
	run --separate-stderr bash -c "conf-extract | conf-impact --max-risk medium | conf-apply --db '$DB'"
	assert_failure 1
	[[ "$stderr" == *"conf-impact: migration risk is high, above --max-risk medium"* ]]
	[[ "$stderr" == *"002_idx: high (SHARE on t, scan)"* ]]
	[ "$(q "$DB" "SELECT count(*) FROM pg_tables WHERE tablename = 'u'")" = 0 ]
	run --separate-stderr bash -c "conf-extract | conf-impact --max-risk high | conf-apply --db '$DB'"
	assert_success
	[ "$(q "$DB" "SELECT count(*) FROM pg_indexes WHERE indexname = 'i'")" = 1 ]
}

@test "bad input: a truncated stream, a statement that does not parse, an unknown level" {
	migration . 001 a "CREATE TABLE a (id int);"
	conf-extract | head -2 >trunc.ndjson
	run --separate-stderr conf-impact trunc.ndjson
	assert_failure 2
	[[ "$stderr" == *"without its end record"* ]]
	printf '%s\n' '{"kind":"migration","v":1,"version":"1","name":"x"}' \
	    '{"kind":"statement","v":1,"sql":"ALTER TABLE","file":"x.sql","line":1,"col":1}' \
	    '{"kind":"end","v":1,"records":2}' >bad.ndjson
	run --separate-stderr conf-impact bad.ndjson
	assert_failure 2
	[[ "$stderr" == *"x.sql:1:12: syntax error"* ]]
	run --separate-stderr conf-impact --max-risk extreme bad.ndjson
	assert_failure 2
	[[ "$stderr" == *'unknown risk level "extreme"'* ]]
}

@test "trial mode leaves the database byte for byte as it was; the rollback simulation catches a forgotten index or column" {
	db=$(new_db)
	q "$db" "CREATE TABLE a (id serial PRIMARY KEY, v int); INSERT INTO a (v) SELECT g FROM generate_series(1, 100) g"
	before=$(db_fingerprint "$db")
	migration . 001 widen "ALTER TABLE a ADD COLUMN w int;
CREATE INDEX ai ON a (v);
INSERT INTO a (v) VALUES (0);
UPDATE a SET w = v;" "ALTER TABLE a DROP COLUMN w;"
	conf-extract >in.ndjson
	run --separate-stderr conf-impact --trial --db "$db" in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -se 'map(select(.kind == "impact" and .scope == "migration"))[0].rollback
	    | .status == "differs" and .differences == ["left over: index CREATE INDEX ai ON public.a USING btree (v)", "left over: relation i ai"]' out.ndjson
	# schema, rows and the sequence the INSERT advanced: all as before
	[ "$(db_fingerprint "$db")" = "$before" ]
	# a down migration that forgets the column
	migration . 001 widen "ALTER TABLE a ADD COLUMN w int;
CREATE INDEX ai ON a (v);" "DROP INDEX ai;"
	conf-extract >in.ndjson
	conf-impact --trial --db "$db" in.ndjson >out.ndjson
	jq -se 'map(select(.kind == "impact" and .scope == "migration"))[0].rollback
	    | .status == "differs" and .differences == ["left over: column a.w integer"]' out.ndjson
	# a faithful down migration is reported so
	migration . 001 widen "ALTER TABLE a ADD COLUMN w int;
CREATE INDEX ai ON a (v);" "DROP INDEX ai;
ALTER TABLE a DROP COLUMN w;"
	conf-extract >in.ndjson
	conf-impact --trial --db "$db" in.ndjson >out.ndjson
	jq -se 'map(select(.kind == "impact" and .scope == "migration"))[0].rollback.status == "faithful"' out.ndjson
	[ "$(db_fingerprint "$db")" = "$before" ]
}
