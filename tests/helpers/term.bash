# term.bash: drive an interactive program in a real terminal (tmux) and read its screen.
# term_start [cols] CMD...: run CMD in a fresh detached tmux session (a private server) of
# cols x 30 (100 by default); its exit status lands in $BATS_TEST_TMPDIR/term.rc.

term_start() {
	local cols=100
	if [[ "$1" =~ ^[0-9]+$ ]]; then
		cols=$1
		shift
	fi
	TERM_SOCKET="conf$$t${BATS_TEST_NUMBER}"
	rm -f "$BATS_TEST_TMPDIR/term.rc"
	printf '%q ' "$@" >"$BATS_TEST_TMPDIR/term.cmd"
	tmux -L "$TERM_SOCKET" -f /dev/null new-session -d -x "$cols" -y 30 -c "$PWD" \
		"$(cat "$BATS_TEST_TMPDIR/term.cmd"); echo \$? >'$BATS_TEST_TMPDIR/term.rc'; sleep 600"
}

term_keys() {
	tmux -L "$TERM_SOCKET" send-keys "$@"
}

# term_type TEXT: type TEXT literally.
term_type() {
	tmux -L "$TERM_SOCKET" send-keys -l "$1"
}

term_screen() {
	tmux -L "$TERM_SOCKET" capture-pane -p "$@"
}

# term_wait TEXT: poll until the screen shows TEXT (10 s at most); print the screen if not.
term_wait() {
	local i
	for i in $(seq 200); do
		if term_screen | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.05
	done
	echo "timed out waiting for: $1" >&2
	term_screen >&2
	return 1
}

# term_status: wait for the program to end and print its exit status.
term_status() {
	local i
	for i in $(seq 400); do
		if [ -s "$BATS_TEST_TMPDIR/term.rc" ]; then
			cat "$BATS_TEST_TMPDIR/term.rc"
			return 0
		fi
		sleep 0.05
	done
	echo "the program did not end" >&2
	term_screen >&2
	return 1
}

term_stop() {
	tmux -L "$TERM_SOCKET" kill-server 2>/dev/null || true
}

# term_pid NAME: the pid of the process called NAME running in the terminal (a descendant of
# the pane's shell).
term_pid() {
	local pids p found
	pids=$(tmux -L "$TERM_SOCKET" display -p '#{pane_pid}')
	while [ -n "$pids" ]; do
		found=$(for p in $pids; do pgrep -P "$p" -x "$1"; done)
		if [ -n "$found" ]; then
			echo "$found" | head -n 1
			return 0
		fi
		pids=$(for p in $pids; do pgrep -P "$p"; done)
	done
	return 1
}
