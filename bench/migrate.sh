#!/bin/bash
# bench/migrate.sh: `confiture migrate up` of 500 small migrations against dbmate and
# `psql -f` of the same SQL; `confiture build` of a 1,000-table schema against `psql -1 -f`.
set -euo pipefail
. "$(dirname "$0")/common.sh"
bench_sandbox_start
N=${BENCH_MIGRATIONS:-500}
T=${BENCH_TABLES:-1000}

proj="$work/migrate"
rm -rf "$proj"
mkdir -p "$proj/db/migrations" "$proj/dbmate/db/migrations" "$proj/db/schema"
: >"$proj/all.sql"
for i in $(seq 1 "$N"); do
	v=$(printf '%05d' "$i")
	sql="CREATE TABLE t$i (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());
CREATE INDEX t${i}_name ON t$i (name);
INSERT INTO t$i (id, name) VALUES (1, 'one'), (2, 'two');"
	printf '%s\n' "$sql" >"$proj/db/migrations/${v}_m$i.up.sql"
	printf -- '-- migrate:up\n%s\n\n-- migrate:down\nDROP TABLE t%s;\n' "$sql" "$i" \
		>"$proj/dbmate/db/migrations/${v}_m$i.sql"
	printf '%s\n' "$sql" >>"$proj/all.sql"
done
for i in $(seq 1 "$T"); do
	d=$(printf '%02d' $((i % 10)))
	mkdir -p "$proj/db/schema/$d"
	printf 'CREATE TABLE s%s (id bigint PRIMARY KEY, name text NOT NULL, note text, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX s%s_name ON s%s (name);\n' \
		"$i" "$i" "$i" >"$proj/db/schema/$d/s$i.sql"
done
find "$proj/db/schema" -name '*.sql' | sort | xargs cat >"$proj/schema.sql"

cd "$proj"
t_conf=$(seconds confiture migrate up --db "$(newdb b_conf)")
t_psql=$(seconds psql "$(newdb b_psql)" -qX -v ON_ERROR_STOP=1 -f all.sql)
dbmate=$(npm_tool dbmate dbmate || true)
if [ -n "$dbmate" ]; then
	url="$(newdb b_dbmate)?sslmode=disable"
	t_dbmate=$(cd dbmate && seconds "$dbmate" --url "$url" --no-dump-schema up)
else
	t_dbmate=
fi
t_build=$(seconds confiture build --db "$(newdb b_build)")
t_build_psql=$(seconds psql "$(newdb b_build_psql)" -qX -1 -v ON_ERROR_STOP=1 -f schema.sql)

echo "migrate up, $N migrations (one transaction each, tracking table, lock):"
echo "  confiture migrate up   ${t_conf} s   $(echo "$N $t_conf" | awk '{printf "%.0f", $1/$2}') migrations/s"
echo "  psql -f (no tracking)  ${t_psql} s   confiture/psql = $(ratio "$t_conf" "$t_psql")"
if [ -n "$t_dbmate" ]; then
	echo "  dbmate up              ${t_dbmate} s   confiture/dbmate = $(ratio "$t_conf" "$t_dbmate")"
else
	echo "  dbmate up              not measured (npm package dbmate could not be installed)"
fi
echo "build, $T tables and $T indexes in one transaction:"
echo "  confiture build        ${t_build} s"
echo "  psql -1 -f             ${t_build_psql} s   confiture/psql = $(ratio "$t_build" "$t_build_psql")"
