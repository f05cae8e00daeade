#!/usr/bin/env bats
# conf-extract: migration and build streams, checksums, parse errors, project layout.

load helpers/common

setup() {
	P=$(mkproject)
	cd "$P"
}

@test "up migrations come in numeric version order with their statements" {
	migration . 10 ten "CREATE TABLE ten (id int);"
	migration . 2 two "CREATE TABLE two (id int);
-- a comment between statements
INSERT INTO two VALUES (1);" "DROP TABLE two;"
	migration . 20260101120000 late "SELECT 1;"
	run --separate-stderr conf-extract
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.kind == "migration") | .version] == ["2", "10", "20260101120000"]' "$BATS_TEST_TMPDIR/out"
	jq -e -s '.[0] | .kind == "migration" and .v == 1 and .name == "two" and .statements == 2
		and .has_down == true and .down_file == "db/migrations/2_two.down.sql" and .transactional == true' "$BATS_TEST_TMPDIR/out"
	jq -e -s '.[2] | .kind == "statement" and .sql == "INSERT INTO two VALUES (1)" and .line == 3
		and .col == 1 and .index == 2 and .node == "InsertStmt"' "$BATS_TEST_TMPDIR/out"
	jq -e -s '.[-1] == {"kind":"end","v":1,"records":7}' "$BATS_TEST_TMPDIR/out"
	# kind is the first field of every record
	jq -e -s 'all(.[]; keys_unsorted[0] == "kind")' "$BATS_TEST_TMPDIR/out"
}

@test "the checksum is SHA-256 of the text and does not depend on line endings" {
	printf 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n' >db/migrations/1_lf.up.sql
	printf 'CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n' >db/migrations/2_crlf.up.sql
	run --separate-stderr conf-extract
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	want=$(sha256sum db/migrations/1_lf.up.sql | cut -d' ' -f1)
	jq -e -s --arg w "$want" '[.[] | select(.kind == "migration") | .checksum] == [$w, $w]' "$BATS_TEST_TMPDIR/out"
}

@test "a syntax error is reported as file:line:col and nothing but an error record is written" {
	migration . 1 good "CREATE TABLE good (id int);"
	printf 'CREATE TABLE x (id int);\n\nSELECT * FROM t WHERE;\n' >db/migrations/2_bad.up.sql
	run --separate-stderr conf-extract
	assert_failure 2
	[[ "$stderr" == *"db/migrations/2_bad.up.sql:3:22: syntax error at or near \";\""* ]]
	assert_equal "$(echo "$output" | wc -l)" 1
	echo "$output" | jq -e '.kind == "error" and .code == 2 and .source == "conf-extract"'
}

@test "non-transactional statements mark their migration and are classified by the parser" {
	migration . 1 idx "CREATE INDEX CONCURRENTLY i ON t (a);
CREATE TABLE t2 (a int);"
	migration . 2 plain "CREATE INDEX i2 ON t (a);"
	run --separate-stderr conf-extract
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.kind == "migration") | .transactional] == [false, true]' "$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.kind == "statement") | .transactional] == [false, true, true]' "$BATS_TEST_TMPDIR/out"
}

@test "transaction control in a migration is refused with its location" {
	migration . 1 tx "BEGIN;
CREATE TABLE t (a int);
COMMIT;"
	run --separate-stderr conf-extract
	assert_failure 2
	[[ "$stderr" == *"1_tx.up.sql:1:1: transaction control (TransactionStmt) is not allowed here"* ]]
}

@test "badly named migration files, orphan down files and duplicate versions are errors" {
	echo "SELECT 1;" >db/migrations/001_orphan.sql
	run --separate-stderr conf-extract
	assert_failure 2
	[[ "$stderr" == *"001_orphan.sql: a migration file is named <version>_<name>.up.sql or .down.sql"* ]]
	rm db/migrations/001_orphan.sql
	echo "SELECT 1;" >db/migrations/003_x.down.sql
	run --separate-stderr conf-extract
	assert_failure 2
	[[ "$stderr" == *"003_x.down.sql: down migration without its up file"* ]]
	rm db/migrations/003_x.down.sql
	migration . 1 a "SELECT 1;"
	migration . 001 b "SELECT 2;"
	run --separate-stderr conf-extract
	assert_failure 2
	[[ "$stderr" == *"two migrations have version"* ]]
}

@test "--to and --steps limit the up stream" {
	for v in 1 2 3 4; do migration . $v m$v "SELECT $v;"; done
	run --separate-stderr conf-extract --to 2
	assert_success
	assert_equal "$(echo "$output" | jq -r 'select(.kind == "migration") | .version' | tr '\n' ' ')" "1 2 "
	run --separate-stderr conf-extract --steps 3
	assert_equal "$(echo "$output" | jq -r 'select(.kind == "migration") | .version' | tr '\n' ' ')" "1 2 3 "
	run --separate-stderr conf-extract --steps 0
	assert_failure 2
}

@test "--build takes the schema files in sorted path order as one unit" {
	mkdir -p db/schema/20_views db/schema/10_tables
	echo "CREATE VIEW v AS SELECT * FROM b;" >db/schema/20_views/v.sql
	echo "CREATE TABLE b (id int);" >db/schema/10_tables/b.sql
	echo "CREATE TABLE a (id int);" >db/schema/10_tables/a.sql
	echo "not sql" >db/schema/10_tables/README.md
	run --separate-stderr conf-extract --build
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	jq -e -s '.[0] | .kind == "migration" and .direction == "build" and .statements == 3' "$BATS_TEST_TMPDIR/out"
	jq -e -s '[.[] | select(.kind == "statement") | .file] ==
		["db/schema/10_tables/a.sql", "db/schema/10_tables/b.sql", "db/schema/20_views/v.sql"]' "$BATS_TEST_TMPDIR/out"
}

@test "--build refuses statements that cannot run in its transaction" {
	echo "CREATE INDEX CONCURRENTLY i ON t (a);" >db/schema/a.sql
	run --separate-stderr conf-extract --build
	assert_failure 2
	[[ "$stderr" == *"a.sql:1:1: CREATE INDEX CONCURRENTLY cannot run inside the build's transaction"* ]]
}

@test "an environment file sets the include and exclude directories" {
	mkdir -p sql/keep sql/skip
	echo "CREATE TABLE k (id int);" >sql/keep/k.sql
	echo "CREATE TABLE s (id int);" >sql/skip/s.sql
	cat >db/environments/dev.yaml <<-'YAML'
	database_url: postgresql://localhost/dev
	include_dirs:
	  - sql
	exclude_dirs:
	  - sql/skip
	YAML
	run --separate-stderr conf-extract -e dev --build
	assert_success
	assert_equal "$(echo "$output" | jq -r 'select(.kind == "statement") | .file')" "sql/keep/k.sql"
}

@test "bad YAML in an environment file is reported with its line" {
	printf 'database_url: x\ninclude_dirs: [a\n' >db/environments/bad.yaml
	run --separate-stderr conf-extract -e bad --build
	assert_failure 2
	[[ "$stderr" == *"db/environments/bad.yaml:3:"* ]]
	run --separate-stderr conf-extract -e nosuch
	assert_failure 2
	[[ "$stderr" == *'no environment "nosuch"'* ]]
}

@test "the -C option runs against another project directory" {
	migration . 7 seven "SELECT 7;"
	cd /
	run --separate-stderr conf-extract -C "$P"
	assert_success
	assert_equal "$(echo "$output" | jq -r 'select(.kind == "migration") | .file')" "$P/db/migrations/7_seven.up.sql"
}
