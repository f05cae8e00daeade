#!/usr/bin/env bats
# The anonymization guides' examples, run as written.

load helpers/common

setup() {
	unset CONFITURE_ANON_KEY CONFITURE_ANON_KEY_FILE CONFITURE_STRATEGY_PATH
	export TMPDIR="$BATS_TEST_TMPDIR"
	cd "$BATS_TEST_TMPDIR"
}

@test "docs/guides/anonymization.md runs as written" {
	run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/anonymization.md"
	[ "$status" -eq 0 ] || { echo "$stderr" | tail -n 20; return 1; }
}

@test "docs/guides/custom-strategies.md runs as written" {
	run --separate-stderr "$CONF_ROOT/tests/helpers/doctest" "$CONF_ROOT/docs/guides/custom-strategies.md"
	[ "$status" -eq 0 ] || { echo "$stderr" | tail -n 20; return 1; }
	[[ "$output" == *"A. K. L."* && "$output" == *"QUIET PLEASE"* ]]
	[[ "$output" == *'["2","A.T.",null]'* ]]
}
