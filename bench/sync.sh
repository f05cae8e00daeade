#!/bin/bash
# bench/sync.sh: confiture sync of a 1,000,000-row table (id, name, email, phone, created_at)
# with three masked columns, against `psql -c "COPY ... TO STDOUT" | psql -c "COPY ... FROM
# STDIN"` of the same table in the same run; then each stage alone, to show the bottleneck.
set -euo pipefail
. "$(dirname "$0")/common.sh"
bench_sandbox_start
N=${BENCH_ROWS:-1000000}
export CONFITURE_ANON_KEY=bench-key-0123456789abcdef
schema="CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE,
	phone text, created_at timestamptz NOT NULL)"
src=$(newdb sync_src)
raw=$(newdb sync_raw)
dst=$(newdb sync_dst)
for db in "$src" "$raw" "$dst"; do
	psql "$db" -qX -v ON_ERROR_STOP=1 -c "$schema"
done
psql "$src" -qX -v ON_ERROR_STOP=1 -c "INSERT INTO users
	SELECT g, 'Person Number ' || g, 'person' || g || '@example.org',
		'+33 6 ' || lpad((g::bigint * 7919 % 100000000)::text, 8, '0'),
		timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute'
	FROM generate_series(1, $N) g" -c "VACUUM ANALYZE users"
cat >"$work/sync.yaml" <<'YAML'
version: 1
tables:
  users:
    name: {strategy: name}
    email: {strategy: email, domain: person_email}
    phone: {strategy: phone, keep_prefix: 2}
YAML
mb=$(psql "$src" -qAtX -c "SELECT pg_table_size('users') / 1048576")
copy_pipe() {
	psql "$src" -qAtX -c "COPY users TO STDOUT" | psql "$raw" -qAtX -c "COPY users FROM STDIN"
}
sync_run() {
	confiture sync --from "$src" --to "$dst" --profile "$work/sync.yaml" --no-progress
}
plain_run() {
	confiture sync --from "$src" --to "$dst" --no-progress
}
psql "$raw" -qX -c "TRUNCATE users"
t_raw=$(seconds copy_pipe)
t_sync=$(seconds sync_run)
t_plain=$(seconds plain_run)
# each stage alone, through files
copy_out() { psql "$src" -qAtX -c "COPY users TO STDOUT" >"$work/users.copy"; }
copy_in() { psql "$raw" -qAtX -c "TRUNCATE users" -c "COPY users FROM STDIN" <"$work/users.copy"; }
extract() { conf-extract --data --db "$src" --tables users >"$work/users.ndjson"; }
anonymize() { conf-anonymize --profile "$work/sync.yaml" "$work/users.ndjson" >"$work/masked.ndjson"; }
apply() { conf-apply --data --db "$dst" "$work/masked.ndjson"; }
apply_plain() { conf-apply --data --db "$dst" "$work/users.ndjson"; }
t_out=$(seconds copy_out)
t_in=$(seconds copy_in)
t_ext=$(seconds extract)
t_anon=$(seconds anonymize)
t_apply=$(seconds apply)
t_apply_plain=$(seconds apply_plain)
rate() { echo "$N $1" | awk '{ printf "%.0f", $1 / $2 }'; }
echo "confiture sync, $N rows ($mb MB table), 3 masked columns (name, email, phone):"
echo "  psql COPY TO | psql COPY FROM (baseline)   ${t_raw} s   $(rate "$t_raw") rows/s"
echo "  confiture sync --profile                   ${t_sync} s   $(rate "$t_sync") rows/s   ratio $(ratio "$t_raw" "$t_sync") of the baseline's speed"
echo "  confiture sync, no profile                 ${t_plain} s   $(rate "$t_plain") rows/s   ratio $(ratio "$t_raw" "$t_plain")"
echo "each stage alone (file to file):"
echo "  psql COPY TO STDOUT                        ${t_out} s   $(rate "$t_out") rows/s"
echo "  psql COPY FROM STDIN                       ${t_in} s   $(rate "$t_in") rows/s"
echo "  conf-extract --data                        ${t_ext} s   $(rate "$t_ext") rows/s"
echo "  conf-anonymize --profile (3 columns)       ${t_anon} s   $(rate "$t_anon") rows/s"
echo "  conf-apply --data (masked rows)            ${t_apply} s   $(rate "$t_apply") rows/s"
echo "  conf-apply --data (original rows)          ${t_apply_plain} s   $(rate "$t_apply_plain") rows/s"
slow=$(printf 'conf-extract %s\nconf-anonymize %s\nconf-apply %s\n' "$t_ext" "$t_anon" "$t_apply" | sort -k2 -n -r | head -n 1 | cut -d' ' -f1)
echo "slowest stage (the pipeline's bound on 2+ cores): $slow"
rm -f "$work/users.copy" "$work/users.ndjson" "$work/masked.ndjson"
