#!/usr/bin/env bats
# Every lint rule: SQL that must trigger it and SQL that must not, ids and locations compared exactly.

load helpers/common

cases() {
	mkdir -p "$BATS_TEST_TMPDIR/cases"
	"$CONF_ROOT/tests/helpers/lintcases" "$CONF_ROOT/tests/lint/$1" "$BATS_TEST_TMPDIR/cases"
	cat "$BATS_TEST_TMPDIR"/cases/*.expect | sort >"$BATS_TEST_TMPDIR/expected"
	"$CONF_ROOT/tests/helpers/lintrun" "$BATS_TEST_TMPDIR/cases" \
	    "$CONF_ROOT/tests/lint/lint.yaml" "$CONF_ROOT/tests/lint/profile.yaml" >"$BATS_TEST_TMPDIR/actual"
	diff -u "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/actual"
}

@test "statement and file rules: each case's findings are exactly the expected ones" {
	cases cases.txt
}

@test "schema rules (--schema): each case's findings are exactly the expected ones" {
	cases schema.txt
}

@test "every rule of the catalogue has a case that triggers it" {
	conf-lint --list-rules >"$BATS_TEST_TMPDIR/rules"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/rules")" -eq 59 ]
	missing=""
	for id in $(awk '{print $1}' "$BATS_TEST_TMPDIR/rules"); do
		case $id in unused-index) continue ;; esac   # live only: tests/302-lint-live.bats
		grep -q "^expect $id " "$CONF_ROOT/tests/lint/cases.txt" "$CONF_ROOT/tests/lint/schema.txt" ||
		    missing="$missing $id"
	done
	[ -z "$missing" ] || { echo "no triggering case for:$missing"; false; }
}

@test "a rule needing the schema stays silent on a migration" {
	printf 'CREATE TABLE logs (msg text);\n' >"$BATS_TEST_TMPDIR/m.sql"
	run --separate-stderr conf-lint "$BATS_TEST_TMPDIR/m.sql"
	assert_success
	assert_output '{"kind":"end","v":1,"records":0}'
}

@test "the linting guide's examples run as written: each rule's bad example triggers it, its good one does not" {
	[ "$(grep -c '^### `' "$CONF_ROOT/docs/guides/linting.md")" -eq 59 ]
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/linting.md"
	assert_success
}
