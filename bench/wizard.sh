#!/bin/bash
# bench/wizard.sh: what the wizard costs over the bare sync pipeline.  The same copy of
# N rows (one masked column) by `confiture wizard` without a terminal (records pass
# through the wizard, which counts them for its progress bars), against
# conf-extract --data | conf-anonymize | conf-apply --data run directly; and the
# wizard's verify step (row counts, foreign keys, masked values) on its own.
set -euo pipefail
. "$(dirname "$0")/common.sh"
bench_sandbox_start
N=${BENCH_ROWS:-200000}
export CONFITURE_ANON_KEY=bench-key-0123456789abcdef

schema="CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, score int, note text)"
src=$(newdb w_src)
psql "$src" -qX -c "$schema" \
	-c "INSERT INTO customers SELECT g, 'c' || g || '@example.com', g % 100, repeat('x', 40)
		FROM generate_series(1, $N) g" -c "ANALYZE"
proj="$work/wizard"
rm -rf "$proj"
mkdir -p "$proj/db/environments"
cd "$proj"
echo "database_url: $src" >db/environments/src.yaml
cat >profile.yaml <<'EOT'
version: 1
tables:
  public.customers:
    email: {strategy: email}
EOT

direct() {
	conf-extract --data --db "$src" --tables public.customers |
		conf-anonymize --profile profile.yaml |
		conf-apply --data --db "$1"
}
d1=$(newdb w_direct); psql "$d1" -qX -c "$schema"
t_direct=$(seconds direct "$d1")
d2=$(newdb w_wizard); psql "$d2" -qX -c "$schema"
t_wizard=$(seconds confiture wizard --from src --to "$d2" --tables customers \
	--accept-suggestions --yes --skip-verify --save w.yaml)
d3=$(newdb w_verify); psql "$d3" -qX -c "$schema"
t_verify=$(seconds confiture wizard --from src --to "$d3" --tables customers \
	--accept-suggestions --yes --save v.yaml)

echo "copy of $N rows, one masked column:"
echo "  conf-extract | conf-anonymize | conf-apply   ${t_direct} s   $(echo "$N $t_direct" | awk '{printf "%.0f", $1 / $2}') rows/s"
echo "  confiture wizard (no terminal)               ${t_wizard} s   ratio $(ratio "$t_wizard" "$t_direct")"
echo "  confiture wizard with verify                 ${t_verify} s   verify $(echo "$t_verify $t_wizard" | awk '{printf "%.3f", $1 - $2}') s"
