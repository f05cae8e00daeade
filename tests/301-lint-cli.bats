#!/usr/bin/env bats
# conf-lint's command line: formats, exit codes, syntax errors, configuration, SARIF.

load helpers/common

setup() {
	cd "$BATS_TEST_TMPDIR"
	cat >m.sql <<-'SQL'
	SET lock_timeout = '1s';
	SET statement_timeout = '5s';
	CREATE INDEX users_email_idx ON users (email);
	DELETE FROM users;
	SQL
}

@test "ndjson: lint records with rule, category, severity, location, message, fix; then the end record" {
	run --separate-stderr conf-lint m.sql
	assert_failure 1
	echo "$output" >out.ndjson
	jq -e -s 'length == 3 and .[2] == {"kind":"end","v":1,"records":2}' out.ndjson
	jq -e -s '.[0] | .kind == "finding" and .v == 1 and .rule == "require-concurrent-index-creation"
	    and .category == "safety" and .severity == "warning" and .file == "m.sql"
	    and .line == 3 and .column == 1 and (.message | length > 0) and (.fix | test("CONCURRENTLY"))' out.ndjson
	jq -e -s '.[1] | .rule == "delete-without-where" and .severity == "error" and .line == 4' out.ndjson
	[ -z "$stderr" ]
	[ "$(head -c 9 out.ndjson)" = '{"kind":"' ]
}

@test "text: file:line:col: severity: rule: message, and a summary with the risk score" {
	run --separate-stderr conf-lint -f text m.sql
	assert_failure 1
	assert_line --index 0 --regexp '^m\.sql:3:1: warning: require-concurrent-index-creation: '
	assert_line --index 2 --regexp '^m\.sql:4:1: error: delete-without-where: DELETE from "users" without WHERE'
	assert_line --index 3 '2 findings (1 error, 1 warning, 0 info) in 1 file, risk score 13'
}

@test "github: workflow annotations with file, line, col and the rule as title" {
	run --separate-stderr conf-lint -f github m.sql
	assert_failure 1
	assert_line --index 0 --regexp '^::warning file=m\.sql,line=3,col=1,title=require-concurrent-index-creation::'
	assert_line --index 1 --regexp '^::error file=m\.sql,line=4,col=1,title=delete-without-where::DELETE from'
}

@test "exit status: 0 when clean, 0 below --fail-on, 1 at or above it" {
	printf 'SELECT 1;\n' >ok.sql
	run --separate-stderr conf-lint ok.sql
	assert_success
	run --separate-stderr conf-lint -d delete-without-where --fail-on error m.sql
	assert_success
	run --separate-stderr conf-lint --fail-on error m.sql
	assert_failure 1
	run --separate-stderr conf-lint --fail-on never m.sql
	assert_success
}

@test "a syntax error is an input error with file:line:col, never a crash" {
	printf 'SELECT 1;\nCREATE TABLE (;\n' >bad.sql
	run --separate-stderr conf-lint bad.sql
	assert_failure 2
	[[ "$stderr" == 'conf-lint: bad.sql:2:14: syntax error at or near "("'* ]]
	run --separate-stderr conf-lint missing.sql
	assert_failure 2
	[[ "$stderr" == *'could not read "missing.sql": No such file or directory'* ]]
}

@test "standard input, and a directory of migrations read in order" {
	run --separate-stderr conf-lint <m.sql
	assert_failure 1
	assert_line --index 0 --partial '"file":"<stdin>"'
	mkdir dir
	printf 'DELETE FROM a;\n' >dir/002_b.up.sql
	printf 'DELETE FROM b;\n' >dir/001_a.up.sql
	printf 'DELETE FROM c;\n' >dir/001_a.down.sql
	run --separate-stderr conf-lint -f text dir
	assert_line --index 0 --partial 'dir/001_a.up.sql:1:1'
	assert_line --index 1 --partial 'dir/002_b.up.sql:1:1'
	assert_line --index 2 --partial '2 findings'
}

@test "YAML config: disable, severity, fail_on; a lint: section of a project config works too" {
	cat >lint.yaml <<-'YAML'
	lint:
	  disable: [require-concurrent-index-creation]
	  severity:
	    delete-without-where: info
	  fail_on: warning
	YAML
	run --separate-stderr conf-lint -c lint.yaml -f text m.sql
	assert_success
	assert_line --index 0 --regexp '^m\.sql:4:1: info: delete-without-where: '
	printf 'disable: [prefer-timestamp-tz]\n' >alias.yaml
	printf 'CREATE TABLE t (id bigint, at timestamp);\n' >t.sql
	run --separate-stderr conf-lint -c alias.yaml t.sql
	assert_success
}

@test "config errors name the file and line" {
	printf 'lint:\n  disable:\n    - no-such-rule\n' >bad.yaml
	run --separate-stderr conf-lint -c bad.yaml m.sql
	assert_failure 2
	[[ "$stderr" == *'bad.yaml:3:7: unknown lint rule "no-such-rule"'* ]]
	printf 'lint:\n  fail_on: sometimes\n' >bad2.yaml
	run --separate-stderr conf-lint -c bad2.yaml m.sql
	assert_failure 2
	[[ "$stderr" == *'bad2.yaml:2:12: fail_on must be'* ]]
	run --separate-stderr conf-lint -f xml m.sql
	assert_failure 2
}

@test "SARIF 2.1.0 output validates against the SARIF schema" {
	command -v sarif-multitool >/dev/null || skip "sarif-multitool not installed (.ci/deps.d/lint.sh)"
	run --separate-stderr conf-lint -f sarif m.sql
	assert_failure 1
	echo "$output" >out.sarif
	jq -e '.version == "2.1.0" and (.runs[0].results | length) == 2
	    and .runs[0].results[1].ruleId == "delete-without-where"
	    and .runs[0].results[1].locations[0].physicalLocation.region == {"startLine":4,"startColumn":1}
	    and (.runs[0].tool.driver.rules | length) == 59' out.sarif
	run sarif-multitool validate out.sarif --output validation.sarif --log ForceOverwrite
	assert_success
	jq -e '[.runs[].results[]? | select(.level == "error")] | length == 0' validation.sarif
}
