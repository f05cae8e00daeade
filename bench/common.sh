# bench/common.sh: shared setup for benchmarks (sourced): PATH, a sandbox, timing.
top=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$top/bin:$PATH"
work="$top/bench/.work"
mkdir -p "$work"
unset CONFITURE_DATABASE_URL DATABASE_URL PGHOST PGPORT PGDATABASE PGUSER

bench_sandbox_start() {
	SERVER=$(confiture sandbox --dir "$work/sandbox" start 2>/dev/null)
	trap 'confiture sandbox --dir "$work/sandbox" stop' EXIT
}

# newdb NAME: a fresh database, its URL on stdout.
newdb() {
	PGOPTIONS="-c client_min_messages=warning" psql "$SERVER" -qAtX \
		-c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
	echo "${SERVER%/*}/$1"
}

# seconds CMD...: run CMD, print its wall time in seconds (3 decimals) on stdout.
seconds() {
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; return 1; }
	e=$(date +%s.%N)
	echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }'
}

ratio() {
	echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'
}

# npm_tool NAME PACKAGE: make an npm package's command available under $work.
npm_tool() {
	if [ ! -x "$work/node_modules/.bin/$1" ]; then
		(cd "$work" && npm install --no-save --silent "$2" >/dev/null 2>&1) || return 1
	fi
	echo "$work/node_modules/.bin/$1"
}
