#!/usr/bin/env bats
# The command line of every program: --help, --version, bad options, write errors.

load helpers/common

PROGRAMS="conf-extract conf-anonymize conf-lint conf-impact conf-apply conf-hook confiture"

@test "every program answers --help on stdout with exit 0 and the exit-code table" {
	for p in $PROGRAMS; do
		run --separate-stderr "$p" --help
		assert_success
		assert_output --partial "usage: $p"
		assert_output --partial "Exit status:"
		assert_output --partial "4  another run holds the migration lock"
		[ -z "$stderr" ]
	done
}

@test "every program prints its version" {
	for p in $PROGRAMS; do
		run --separate-stderr "$p" --version
		assert_success
		assert_output --regexp "^$p [0-9]+\.[0-9]+\.[0-9]+$"
	done
}

@test "a bad option exits 2 with a message on stderr and nothing on stdout" {
	for p in $PROGRAMS; do
		run --separate-stderr "$p" --no-such-option
		assert_failure 2
		[ -n "$stderr" ]
		[ -z "$output" ]
	done
}

@test "a write error on stdout is an error, not silence" {
	for p in $PROGRAMS; do
		run --separate-stderr sh -c "$p --help >/dev/full"
		assert_failure 2
		[[ "$stderr" == *"could not write output"* ]]
	done
}

@test "confiture lists its commands and refuses unknown ones" {
	run --separate-stderr confiture --help
	assert_success
	for c in build init migrate sandbox; do
		assert_output --partial "  $c "
	done
	run --separate-stderr confiture frobnicate
	assert_failure 2
	[[ "$stderr" == *'unknown command "frobnicate"'* ]]
}

@test "confiture init creates the layout and keeps existing files" {
	cd "$BATS_TEST_TMPDIR"
	run confiture init app
	assert_success
	[ -d app/db/schema ]
	[ -d app/db/migrations ]
	[ -d app/db/hooks ]
	grep -q '^database_url:' app/db/environments/local.yaml
	echo "database_url: mine" >app/db/environments/local.yaml
	run --separate-stderr confiture init app
	assert_success
	[[ "$stderr" == *"kept existing app/db/environments/local.yaml"* ]]
	[ "$(cat app/db/environments/local.yaml)" = "database_url: mine" ]
}

@test "every program has a man page with the whole exit-code table and its options" {
	for p in $PROGRAMS; do
		page="$CONF_ROOT/docs/man/$p.1"
		[ -f "$page" ]
		grep -q '^\.SH EXIT STATUS' "$page"
		for code in 0 1 2 3 4 5 6 7; do
			grep -q "^\.B $code\$" "$page"
		done
		# every long option of the usage text appears in the page
		for opt in $("$p" --help | sed -n '/^usage:/,/^$/p' | grep -o -- '--[a-z-]*' | sort -u); do
			grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$page" || { echo "$p: $opt missing from $page"; return 1; }
		done
	done
}
