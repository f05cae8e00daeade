#!/bin/bash
# bench/lint.sh: conf-lint against squawk (npm squawk-cli) on the same generated corpus of
# 2,000 five-statement migration files, in the same run: files/s and the ratio.
set -euo pipefail
. "$(dirname "$0")/common.sh"
N=${BENCH_FILES:-2000}
corpus="$work/lint-corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
awk -v n="$N" -v dir="$corpus" 'BEGIN {
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/%05d_change_%d.up.sql", dir, i, i)
		t = "table_" (i % 97)
		print "SET lock_timeout = '\''2s'\'';" > f
		print "CREATE TABLE new_" i " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(40), payload json, created_at timestamp DEFAULT now());" > f
		print "ALTER TABLE " t " ADD COLUMN col_" i " integer NOT NULL;" > f
		print "CREATE INDEX " t "_col_" i "_idx ON " t " (col_" i ");" > f
		print "UPDATE " t " SET col_" i " = 0 WHERE id < 1000;" > f
		close(f)
	}
}'
squawk=$(npm_tool squawk squawk-cli) || { echo "squawk-cli could not be installed"; exit 1; }
lint_conf() { conf-lint --fail-on never "$corpus" >/dev/null; }
lint_squawk() { "$squawk" "$corpus"/*.sql >/dev/null 2>&1 || [ $? -eq 1 ]; }
findings_conf=$(conf-lint --fail-on never "$corpus" | jq -s 'length - 1')
findings_squawk=$("$squawk" --reporter json "$corpus"/*.sql 2>/dev/null | jq 'length' || true)
t_conf=$(seconds lint_conf)
t_squawk=$(seconds lint_squawk)
rate() { echo "$N $1" | awk '{ printf "%.0f", $1 / $2 }'; }
echo "lint, $N migration files of 5 statements:"
echo "  squawk $("$squawk" --version | awk '{print $2}') (baseline)  ${t_squawk} s   $(rate "$t_squawk") files/s   $findings_squawk findings"
echo "  conf-lint              ${t_conf} s   $(rate "$t_conf") files/s   $findings_conf findings ($(conf-lint --list-rules | wc -l) rules)"
echo "  ratio (squawk / conf-lint time)   $(ratio "$t_squawk" "$t_conf")x"
