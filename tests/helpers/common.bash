# common.bash: shared setup for every suite: paths, bats libraries, the throwaway cluster.
CONF_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
PATH="$CONF_ROOT/bin:$PATH"
export PATH CONF_ROOT
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD DATABASE_URL CONFITURE_DATABASE_URL

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# One cluster per test file: call from setup_file / teardown_file.
sandbox_start() {
	export SANDBOX_DIR="$BATS_FILE_TMPDIR/sandbox"
	SANDBOX_URL=$(confiture sandbox --dir "$SANDBOX_DIR" start 2>"$BATS_FILE_TMPDIR/sandbox.log") || {
		cat "$BATS_FILE_TMPDIR/sandbox.log" >&2
		return 1
	}
	export SANDBOX_URL
}

sandbox_stop() {
	confiture sandbox --dir "$SANDBOX_DIR" stop
}

# new_db: create a fresh database for the current test, print its URL.
new_db() {
	local name="t${BATS_TEST_NUMBER}_${1:-db}"
	PGOPTIONS="-c client_min_messages=warning" psql "$SANDBOX_URL" -qAtX -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null || return 1
	echo "${SANDBOX_URL%/*}/$name"
}

# q URL SQL: one query, unaligned output.
q() {
	psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"
}

# db_fingerprint URL: the whole schema and every row and sequence value, as one checksum
# (pg_dump's \restrict lines carry a random key: left out).
db_fingerprint() {
	{ pg_dump --schema-only "$1"; pg_dump --data-only "$1"; } |
		grep -Ev '^(--|\\restrict |\\unrestrict )' | md5sum
}

# mkproject: an empty project in the test's temporary directory; prints its path.
mkproject() {
	local dir="$BATS_TEST_TMPDIR/project"
	mkdir -p "$dir/db/schema" "$dir/db/migrations" "$dir/db/environments"
	echo "$dir"
}

# migration DIR VERSION NAME UP-SQL [DOWN-SQL]: write a migration's files.
migration() {
	printf '%s\n' "$4" >"$1/db/migrations/$2_$3.up.sql"
	if [ $# -ge 5 ]; then
		printf '%s\n' "$5" >"$1/db/migrations/$2_$3.down.sql"
	fi
}
