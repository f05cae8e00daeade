#!/bin/bash
# bench/impact.sh: conf-impact's duration estimate (est_ms, from `conf-impact --db`) against the
# measured duration of the same migration applied by conf-apply, for six common migrations
# on an orders table of each size in BENCH_SIZES, each case on its own TEMPLATE copy.
set -euo pipefail
. "$(dirname "$0")/common.sh"
SIZES=${BENCH_SIZES:-100000 1000000 5000000}
ALL_CASES="volatile-default alter-type create-index add-fk backfill set-not-null"
CASES=${BENCH_CASES:-$ALL_CASES}
CASES=${CASES//,/ }
REPEAT=${BENCH_REPEAT:-3}
CUSTOMERS=10000

case_sql() {
	case $1 in
	volatile-default) echo "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();" ;;
	alter-type) echo "ALTER TABLE orders ALTER COLUMN amount TYPE double precision;" ;;
	create-index) echo "CREATE INDEX orders_created_at ON orders (created_at);" ;;
	add-fk) echo "ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);" ;;
	backfill) echo "UPDATE orders SET status = lower(status);" ;;
	set-not-null) echo "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;" ;;
	*) return 1 ;;
	esac
}
for c in $CASES; do
	case_sql "$c" >/dev/null || { echo "bench/impact.sh: unknown case \"$c\" (cases: $ALL_CASES)" >&2; exit 2; }
done

bench_sandbox_start
admin() { PGOPTIONS="-c client_min_messages=warning" psql "$SERVER" -qAtX -v ON_ERROR_STOP=1 "$@"; }
dir="$work/impact"
rm -rf "$dir"
mkdir -p "$dir"

# The largest size with its indexes, and a copy per case alive at a time: about 2.2 times
# the base table's footprint (about 150 bytes a row with indexes) must be free.
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
need_mb=$((max * 150 * 22 / 10 / 1048576 + 100))
free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if [ "$free_mb" -lt "$need_mb" ]; then
	echo "bench/impact.sh: $free_mb MB free under $work, $need_mb MB needed for $max rows" >&2
	exit 2
fi

# base N: the orders table of N rows and its customers, vacuumed and analyzed.
base() {
	local url
	url=$(newdb impact_base)
	psql "$url" -qX -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION pg_prewarm;
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL);
INSERT INTO customers SELECT g, 'Customer ' || g, 'customer' || g || '@example.org'
	FROM generate_series(1, $CUSTOMERS) g;
CREATE TABLE orders (
	id bigint PRIMARY KEY,
	customer_id bigint NOT NULL,
	amount numeric(12,2) NOT NULL,
	status text,
	note text,
	created_at timestamptz NOT NULL
);
INSERT INTO orders
	SELECT g, 1 + (g * 7919) % $CUSTOMERS,
		round(((g * 104729) % 100000) / 100.0, 2),
		(ARRAY['Pending', 'Paid', 'Shipped', 'Delivered', 'Cancelled'])[1 + g % 5],
		CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || md5(g::text) END,
		timestamptz '2020-01-01 00:00:00+00' + ((g * 6151) % 157680000) * interval '1 second'
	FROM generate_series(1::bigint, $1) g;
CREATE INDEX orders_customer_id ON orders (customer_id);
CREATE INDEX orders_status ON orders (status);
VACUUM ANALYZE customers;
VACUUM ANALYZE orders;
CHECKPOINT;
SQL
}

# copy NAME: a copy of impact_base, its tables read into memory; its URL on stdout.  The
# copy's files and statistics are the base's (FILE_COPY); its shared buffers start cold,
# so pg_prewarm loads the tables and indexes for the estimate and the run alike.
copy() {
	local i
	admin -c "DROP DATABASE IF EXISTS $1"
	# an autovacuum worker visiting the base makes CREATE DATABASE fail: try again
	for i in 1 2 3 4 5; do
		admin -c "CREATE DATABASE $1 TEMPLATE impact_base STRATEGY FILE_COPY" 2>"$dir/copy.err" && break
		[ "$i" -eq 5 ] && { cat "$dir/copy.err" >&2; return 1; }
		sleep 1
	done
	psql "${SERVER%/*}/$1" -qAtX -v ON_ERROR_STOP=1 -c "SELECT sum(pg_prewarm(c.oid))
		FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
		AND c.relkind IN ('r', 'i')" >/dev/null
	echo "${SERVER%/*}/$1"
}

# project CASE: a one-migration project for CASE; its path on stdout.
project() {
	local p="$dir/proj-$1"
	rm -rf "$p"
	mkdir -p "$p/db/migrations" "$p/db/schema" "$p/db/environments"
	case_sql "$1" >"$p/db/migrations/001_$(echo "$1" | tr - _).up.sql"
	echo "$p"
}

# estimate PROJ URL: est_ms of the migration's impact record, or nothing.
estimate() {
	if ! conf-extract -C "$1" | conf-impact --db "$2" >"$dir/impact.ndjson" 2>"$dir/impact.err"; then
		echo "bench/impact.sh: conf-impact failed (estimate n/a): $(head -n 1 "$dir/impact.err")" >&2
		return 0
	fi
	jq -r 'select(.kind == "impact" and .scope == "migration") | .est_ms // empty' \
		"$dir/impact.ndjson" | head -n 1
}

# checkpoints: how many the server has started (timed and requested)
checkpoints() {
	admin -c "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
}

apply_run() {
	conf-extract -C "$1" | conf-apply --db "$2" >"$dir/result.ndjson"
}

# median [FORMAT]: the median of the numbers on stdin, printed with FORMAT (default %.3f);
# nothing when there are none
median() {
	sort -g | awk -v f="${1:-%.3f}" '{ v[NR] = $1 }
		END { if (NR) printf f, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# The machine's own noise, the baseline every ratio below has to be read against: one
# CPU-bound query, the same work each time, timed NOISE_RUNS times in separate sessions.
noise_floor() {
	local i
	: >"$dir/noise"
	for i in $(seq 1 "${NOISE_RUNS:-15}"); do
		psql "$SERVER" -qAtX -c '\timing on' -c "SELECT count(*) FROM generate_series(1, 2000000)" |
			awk '/^Time:/ { printf "%.1f\n", $2 }' >>"$dir/noise"
	done
	sort -g "$dir/noise" | awk -v m="$(median %.1f <"$dir/noise")" '{ v[NR] = $1 } END {
		printf "noise floor: the same query (count of 2M generate_series rows) %d times: min %.0f ms, median %.0f ms, max %.0f ms; max/min %.2f, (max - min) / median %.0f%%\n", NR, v[1], m, v[NR], v[NR] / v[1], 100 * (v[NR] - v[1]) / m }'
}
noise_floor
all_within=0 all_counted=0

fmt="  %-9s %-17s %9s %11s %9s %13s %11s %8s %8s\n"
echo "conf-impact --db estimate against conf-apply's measured duration (measured: the result"
echo "record's duration_ms, first statement to commit; wall: extract | apply, process start"
echo "included; probe: the wall time of extract | conf-impact --db, the estimate's own cost);"
echo "each case on a fresh FILE_COPY of the base, prewarmed, estimate read first;"
echo "runs per case: $REPEAT (spread: (max - min) / median of the measured durations)"
for n in $SIZES; do
	t_base=$(seconds base "$n")
	mb=$(psql "${SERVER%/*}/impact_base" -qAtX -c "SELECT pg_total_relation_size('orders') / 1048576")
	echo "$n rows: orders $mb MB with its indexes, built in $t_base s"
	printf "$fmt" rows case "est s" "measured s" "wall s" "est/measured" "within 20%" "probe s" spread
	within=0 counted=0
	: >"$dir/ratios"
	for c in $CASES; do
		proj=$(project "$c")
		: >"$dir/est" ; : >"$dir/meas" ; : >"$dir/wall" ; : >"$dir/ckpt" ; : >"$dir/load" ; : >"$dir/probe"
		for r in $(seq 1 "$REPEAT"); do
			url=$(copy impact_case)
			p0=$(date +%s.%N)
			estimate "$proj" "$url" >>"$dir/est"
			echo "$p0 $(date +%s.%N)" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$dir/probe"
			ck0=$(checkpoints)
			wall=$(seconds apply_run "$proj" "$url")
			echo $(($(checkpoints) - ck0)) >>"$dir/ckpt"
			cut -d' ' -f1 /proc/loadavg >>"$dir/load"
			ms=$(jq -r 'select(.kind == "result") | .duration_ms // empty' "$dir/result.ndjson")
			st=$(jq -r 'select(.kind == "result") | .status' "$dir/result.ndjson")
			if [ "$st" != applied ]; then
				echo "bench/impact.sh: $c on $n rows: status \"$st\", not applied" >&2
				exit 1
			fi
			echo "$ms" | awk '{ printf "%.3f\n", $1 / 1000 }' >>"$dir/meas"
			echo "$wall" >>"$dir/wall"
			admin -c "DROP DATABASE impact_case"
		done
		meas=$(median <"$dir/meas")
		wall=$(median <"$dir/wall")
		probe=$(median <"$dir/probe")
		est=$(awk 'NF { printf "%.3f\n", $1 / 1000 }' "$dir/est" | median)
		spread=-
		if [ "$REPEAT" -gt 1 ]; then
			spread=$(sort -g "$dir/meas" | awk -v m="$meas" 'NR == 1 { lo = $1 } { hi = $1 }
				END { printf "%.0f%%", (m > 0 ? 100 * (hi - lo) / m : 0) }')
		fi
		if [ -n "$est" ] && awk -v m="$meas" 'BEGIN { exit !(m > 0) }'; then
			rt=$(ratio "$est" "$meas")
			ok=$(awk -v r="$rt" 'BEGIN { print ((r >= 0.8 && r <= 1.2) ? "yes" : "no") }')
			counted=$((counted + 1))
			[ "$ok" = yes ] && within=$((within + 1))
			echo "$rt" >>"$dir/ratios"
		else
			est=n/a rt=n/a ok=n/a
		fi
		printf "$fmt" "$n" "$c" "$est" "$meas" "$wall" "$rt" "$ok" "$probe" "$spread" | sed 's/ *$//'
		if [ "$REPEAT" -gt 1 ]; then
			echo "            runs: measured $(echo $(cat "$dir/meas")) s, est $(echo $(awk 'NF { printf "%.3f\n", $1 / 1000 }' "$dir/est")) s" | sed 's/est  *s$/est n\/a/'
			echo "            checkpoints during each run: $(echo $(cat "$dir/ckpt")); load average after: $(echo $(cat "$dir/load"))"
		fi
	done
	ncases=$(echo $CASES | wc -w)
	all_within=$((all_within + within)) all_counted=$((all_counted + counted))
	if [ "$counted" -gt 0 ]; then
		echo "  summary $n rows: $within of $counted within 20% (0.80 to 1.20), median est/measured $(median %.2f <"$dir/ratios"), range $(sort -g "$dir/ratios" | head -n 1) to $(sort -g "$dir/ratios" | tail -n 1)$([ "$counted" -lt "$ncases" ] && echo ", $((ncases - counted)) without an estimate")"
	else
		echo "  summary $n rows: no estimate (conf-impact wrote no est_ms) for any of $ncases cases"
	fi
	admin -c "DROP DATABASE impact_base"
done
echo "overall: $all_within of $all_counted within 20%"
noise_floor
