#!/bin/bash
# bench/hooks.sh: the cost of hooks.  `confiture migrate up` of 500 small migrations
# with no hooks, against the same with one no-op hook at each of the four points
# (before_validate once, before_apply and after_apply per migration, on_error never
# fires): 1,001 hook executions.
set -euo pipefail
. "$(dirname "$0")/common.sh"
bench_sandbox_start
N=${BENCH_MIGRATIONS:-500}

proj="$work/hooks"
rm -rf "$proj"
mkdir -p "$proj/db/migrations"
for i in $(seq 1 "$N"); do
	printf 'CREATE TABLE h%s (id bigint PRIMARY KEY, name text);\n' "$i" \
		>"$proj/db/migrations/$(printf '%05d' "$i")_h$i.up.sql"
done
cd "$proj"
t_none=$(seconds confiture migrate up --db "$(newdb h_none)")
for p in before_validate before_apply after_apply on_error; do
	mkdir -p "db/hooks/$p.d"
	printf '#!/bin/sh\nexit 0\n' >"db/hooks/$p.d/10-noop"
	chmod +x "db/hooks/$p.d/10-noop"
done
t_sh=$(seconds confiture migrate up --db "$(newdb h_sh)")
for p in before_validate before_apply after_apply on_error; do
	ln -sf /bin/true "db/hooks/$p.d/10-noop"
done
t_true=$(seconds confiture migrate up --db "$(newdb h_true)")
execs=$((2 * N + 1))
spawn() { local i; for ((i = 0; i < execs; i++)); do /bin/true </dev/null; done; }
t_spawn=$(seconds spawn)

echo "migrate up, $N migrations:"
echo "  no hooks                          ${t_none} s"
echo "  4 no-op /bin/sh hooks             ${t_sh} s   ratio $(ratio "$t_sh" "$t_none")   $(echo "$t_sh $t_none $execs" | awk '{printf "%.2f", ($1 - $2) * 1000 / $3}') ms per hook run"
echo "  4 no-op /bin/true hooks           ${t_true} s   ratio $(ratio "$t_true" "$t_none")   $(echo "$t_true $t_none $execs" | awk '{printf "%.2f", ($1 - $2) * 1000 / $3}') ms per hook run"
echo "  ($execs hook runs each: before_validate once, before_apply and after_apply per migration)"
echo "baseline: bash starting /bin/true $execs times  ${t_spawn} s   $(echo "$t_spawn $execs" | awk '{printf "%.2f", $1 * 1000 / $2}') ms per process"
