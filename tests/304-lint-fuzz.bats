#!/usr/bin/env bats
# Fuzz: PostgreSQL's own SQL files shipped by Debian's postgresql-15 (extension scripts,
# information_schema.sql, system_functions.sql), whole and cut at arbitrary bytes, through
# conf-lint in every mode without a crash or a sanitizer report (the suite runs again under
# `make SAN=1` in CI, which is where this test earns its keep).

load helpers/common

setup() {
	CORPUS=/usr/share/postgresql/15
	[ -d "$CORPUS/extension" ] || skip "postgresql-15 SQL files not installed"
	cd "$BATS_TEST_TMPDIR"
	find "$CORPUS" -name '*.sql' | sort >files
	[ "$(wc -l <files)" -gt 100 ]
}

# no_crash STATUS STDERR: the exit status is one of the table's, no sanitizer spoke
no_crash() {
	[[ "$1" == 0 || "$1" == 1 || "$1" == 2 ]] || { echo "exit $1"; return 1; }
	! grep -E 'AddressSanitizer|runtime error|LeakSanitizer|Segmentation' <<<"$2"
}

@test "every file of the corpus, as migrations, as one schema, in every format" {
	for mode in "" "--schema" "--assume-in-transaction no"; do
		for fmt in ndjson sarif; do
			# shellcheck disable=SC2046,SC2086
			run --separate-stderr conf-lint $mode -f $fmt $(cat files)
			no_crash "$status" "$stderr"
		done
	done
	# most files parse (extension scripts start with a psql \echo, a syntax error here)
	run --separate-stderr conf-lint -f text $(cat files)
	[ "$(grep -c 'syntax error' <<<"$stderr")" -lt "$(wc -l <files)" ]
}

@test "the corpus cut at arbitrary bytes gives syntax errors or findings, never a crash" {
	mkdir cut
	n=0
	while read -r f; do
		size=$(wc -c <"$f")
		for frac in 13 37 61 89; do
			n=$((n + 1))
			head -c $((size * frac / 100)) "$f" >"cut/$n.sql"
		done
	done <files
	run --separate-stderr conf-lint cut
	no_crash "$status" "$stderr"
	run --separate-stderr conf-lint --schema -f text cut
	no_crash "$status" "$stderr"
	# the syntax errors carry file:line:col
	grep -qE '^conf-lint: cut/[0-9]+\.sql:[0-9]+:[0-9]+: syntax error' <<<"$stderr"
}
