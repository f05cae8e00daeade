#!/usr/bin/env bats
# conf-anonymize: custom strategies: the examples (C, Python, shell), the protocol, bad plugins.

load helpers/common

# not CMD...: succeed when CMD fails (a bare "! cmd" does not fail a bats test)
not() { ! "$@"; }

setup() {
	export CONFITURE_ANON_KEY=confiture-test-vector-key-1
	unset CONFITURE_ANON_KEY_FILE
	EX="$CONF_ROOT/docs/examples/strategies"
	cd "$BATS_TEST_TMPDIR"
	mkdir -p strategies
	{
		echo '{"kind":"table","v":1,"schema":"public","name":"people","columns":[{"name":"id","type":"integer","not_null":true,"max_length":null},{"name":"name","type":"text","not_null":false,"max_length":null},{"name":"note","type":"text","not_null":false,"max_length":null}],"unique":[["id"]],"primary_key":["id"]}'
		echo '{"kind":"rows_begin","v":1,"schema":"public","name":"people"}'
		for i in 1 2 3 4 5; do
			echo "{\"kind\":\"row\",\"v\":1,\"r\":[\"$i\",\"Ada Lovelace $i\",\"call 0612 34 5$i\"]}"
		done
		echo '{"kind":"row","v":1,"r":["6",null,""]}'
		echo '{"kind":"rows_end","v":1,"schema":"public","name":"people","rows":6}'
		echo '{"kind":"end","v":1,"records":9}'
	} >in.ndjson
}

# plugin NAME BATCH-SHELL-CODE: a co-process plugin in strategies/NAME whose
# answer to a batch is produced by the shell code (with $id and $line set).
plugin() {
	cat >"strategies/$1" <<SH
#!/bin/sh
while IFS= read -r line; do
	case \$line in
	*'"kind":"hello"'*) echo '{"kind":"hello","v":1,"protocol":1,"name":"$1","params":[]}' ;;
	*'"kind":"configure"'*) echo '{"kind":"ready","v":1}' ;;
	*'"kind":"batch"'*)
		id=\$(printf '%s\n' "\$line" | sed 's/.*"id":\([0-9]*\).*/\1/')
		$2
		;;
	*'"kind":"shutdown"'*) exit 0 ;;
	esac
done
SH
	chmod +x "strategies/$1"
	printf 'version: 1\ntables:\n  people:\n    note: {strategy: %s}\n' "$1" >p.yaml
}

@test "the C example, built as a shared object, is loaded with dlopen" {
	cc -shared -fPIC -O2 -I "$CONF_ROOT/lib/anon" -o strategies/initials.so "$EX/initials.c"
	run --separate-stderr conf-anonymize --test initials "Ada King Lovelace"
	assert_success
	[ "$output" = "A. K. L." ]
	run --separate-stderr conf-anonymize --test initials "Ada Lovelace" separator=
	[ "$output" = "A.L." ]
	printf 'version: 1\ntables:\n  people:\n    name: {strategy: initials}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e -s '[.[] | select(.kind == "row") | .r[1]] == ["A. L. 1.","A. L. 2.","A. L. 3.","A. L. 4.","A. L. 5.",null]' out.ndjson
	# parameters are checked against what the object announced
	printf 'version: 1\ntables:\n  people:\n    name: {strategy: initials, sep: x}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[[ "$stderr" == *'p.yaml:4: strategy "initials" has no parameter "sep"'* ]]
	[[ "$stderr" == *"the plugin announced: separator"* ]]
	# another ABI version is refused at load
	sed 's/CONFITURE_STRATEGY_ABI, "initials"/99, "initials"/' "$EX/initials.c" >old.c
	cc -shared -fPIC -I "$CONF_ROOT/lib/anon" -o strategies/initials.so old.c
	run --separate-stderr conf-anonymize --test initials "Ada"
	assert_failure 5
	[[ "$stderr" == *"was built for ABI 99"* ]]
}

@test "the Python example runs as a co-process, keyed, with per-value errors" {
	cp "$EX/hmac_token.py" strategies/
	printf 'alice\nbob\nalice\n' | conf-anonymize --test hmac_token - length=8 >out
	[ "$(wc -l <out)" -eq 3 ]
	a=$(sed -n 1p out)
	[[ "$a" =~ ^tok_[0-9a-f]{8}$ ]]
	[ "$(sed -n 3p out)" = "$a" ] && [ "$(sed -n 2p out)" != "$a" ]
	CONFITURE_ANON_KEY=a-different-key-987654 run --separate-stderr conf-anonymize --test hmac_token alice length=8
	[ "$output" != "$a" ]
	run --separate-stderr conf-anonymize --test hmac_token alice length=eight
	assert_failure 2
	[[ "$stderr" == *'parameter "length" wants an integer'* ]]
	run --separate-stderr conf-anonymize --test hmac_token alice length=2
	assert_failure 2
	[[ "$stderr" == *"length must be between 4 and 64"* ]]
	# the empty note of row 6 is a per-value error: on_error decides
	printf 'version: 1\ntables:\n  people:\n    note: {strategy: hmac_token, prefix: n_}\n' >p.yaml
	run --separate-stderr conf-anonymize --batch 4 --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *"public.people.note at in.ndjson:8: empty value"* ]]
	printf 'version: 1\ntables:\n  people:\n    note: {strategy: hmac_token, prefix: n_, on_error: drop_row}\n' >p.yaml
	run --separate-stderr conf-anonymize --batch 4 --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e -s '[.[] | select(.kind == "row")] | length == 5 and all(.r[2] | test("^n_[0-9a-f]{16}$"))' out.ndjson
	jq -e -s '[.[] | select(.kind == "rows_end")][0].rows == 5 and .[-1].records == 8' out.ndjson
}

@test "the shell example runs as a co-process, found through CONFITURE_STRATEGY_PATH" {
	mkdir elsewhere
	cp "$EX/redact_digits.sh" elsewhere/
	export CONFITURE_STRATEGY_PATH="$PWD/elsewhere"
	run --separate-stderr conf-anonymize --list-strategies
	assert_success
	assert_output --partial "redact_digits"
	assert_output --partial "char:string"
	assert_output --partial "tokenize"
	printf 'version: 1\ntables:\n  people:\n    note: {strategy: redact_digits, char: X}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e -s '[.[] | select(.kind == "row") | .r[2]] == ["call XXXX XX XX","call XXXX XX XX","call XXXX XX XX","call XXXX XX XX","call XXXX XX XX",""]' out.ndjson
	# ids and names pass through
	jq -e -s '[.[] | select(.kind == "row")][0].r[0:2] == ["1","Ada Lovelace 1"]' out.ndjson
	run --separate-stderr conf-anonymize --bench redact_digits --count 300
	assert_success
	assert_output --regexp "redact_digits +[0-9]+ values/s"
	assert_output --partial "(built-in, for comparison)"
}

@test "several requests are in flight at once: a plugin may read three before answering" {
	cat >strategies/patient <<'SH'
#!/bin/sh
# answers nothing until three requests have arrived, then all three, in order
n=0
while IFS= read -r line; do
	case $line in
	*'"kind":"hello"'*) echo '{"kind":"hello","v":1,"protocol":1,"name":"patient","params":[]}' ;;
	*'"kind":"configure"'*) echo '{"kind":"ready","v":1}' ;;
	*'"kind":"batch"'*)
		n=$((n + 1))
		eval "req$n=\$line"
		if [ $n -eq 3 ]; then
			for i in 1 2 3; do
				eval "printf '%s\n' \"\$req$i\"" | jq -c '{kind: "result", v: 1, id, values: [.values[] | if . then "<" + . + ">" else . end]}'
			done
			n=0
		fi
		;;
	*'"kind":"shutdown"'*) exit 0 ;;
	esac
done
SH
	chmod +x strategies/patient
	printf 'version: 1\ntables:\n  people:\n    name: {strategy: patient}\n' >p.yaml
	run --separate-stderr conf-anonymize --batch 2 --plugin-timeout 5000 --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e -s '[.[] | select(.kind == "row") | .r[1]] == ["<Ada Lovelace 1>","<Ada Lovelace 2>","<Ada Lovelace 3>","<Ada Lovelace 4>","<Ada Lovelace 5>",null]' out.ndjson
}

@test "a plugin that crashes fails the run and the table in flight is not completed" {
	plugin crasher 'exit 3'
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'strategy plugin "crasher" exited with status 3 on batch 1'* ]]
	printf '%s\n' "$output" >out.ndjson
	not grep -q '"kind":"rows_end"' out.ndjson
	not grep -q '"kind":"end"' out.ndjson
	plugin segv 'kill -SEGV $$'
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'"segv" was killed by signal 11'* ]]
}

@test "a plugin that hangs is killed after the batch timeout" {
	plugin sleeper 'sleep 30'
	start=$(date +%s)
	run --separate-stderr conf-anonymize --plugin-timeout 300 --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'strategy plugin "sleeper" did not answer within 300 ms on batch 1'* ]]
	[ $(($(date +%s) - start)) -lt 10 ]
	not pgrep -f "$BATS_TEST_TMPDIR/strategies/sleeper"
}

@test "a plugin that answers the wrong id or the wrong count fails the run" {
	plugin wrongid 'echo "{\"kind\":\"result\",\"v\":1,\"id\":$((id + 1)),\"values\":[]}"'
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'strategy plugin "wrongid" answered id 2 to request 1'* ]]
	plugin short 'echo "{\"kind\":\"result\",\"v\":1,\"id\":$id,\"values\":[\"x\"]}"'
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'strategy plugin "short" answered 1 values to a batch of 6 (request 1)'* ]]
	not grep -q '"kind":"rows_end"' <<<"$output"
	plugin garbage 'echo "not json"'
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'"garbage" wrote a line that is not a JSON object on batch 1'* ]]
}

@test "a plugin with another protocol version, or that exits badly at shutdown, fails" {
	cat >strategies/future <<'SH'
#!/bin/sh
read -r line
echo '{"kind":"hello","v":1,"protocol":2,"name":"future"}'
SH
	chmod +x strategies/future
	run --separate-stderr conf-anonymize --test future x
	assert_failure 5
	[[ "$stderr" == *'strategy plugin "future" speaks protocol 2; conf-anonymize speaks 1'* ]]
	plugin grumpy 'echo "{\"kind\":\"result\",\"v\":1,\"id\":$id,\"values\":[\"a\",\"b\",\"c\",\"d\",\"e\",null]}"'
	sed -i 's/exit 0 ;;/exit 4 ;;/' strategies/grumpy
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 5
	[[ "$stderr" == *'strategy plugin "grumpy" exited with status 4 at shutdown'* ]]
}
