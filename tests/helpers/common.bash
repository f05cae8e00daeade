# common.bash: shared setup for every suite: paths, bats libraries, the throwaway cluster.
CONF_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
PATH="$CONF_ROOT/bin:$PATH"
export PATH CONF_ROOT
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD DATABASE_URL CONFITURE_DATABASE_URL

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
	psql "$SANDBOX_URL" -qAtX -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null || return 1
	echo "${SANDBOX_URL%/*}/$name"
}

# q URL SQL: one query, unaligned output.
q() {
	psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"
}
