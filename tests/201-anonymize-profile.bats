#!/usr/bin/env bats
# conf-anonymize: the profile checked against the stream's table records before the first row.

load helpers/common

setup() {
	export CONFITURE_ANON_KEY=confiture-test-vector-key-1
	unset CONFITURE_ANON_KEY_FILE CONFITURE_STRATEGY_PATH
	FIX="$CONF_ROOT/tests/anon"
	cd "$BATS_TEST_TMPDIR"
	{
		echo '{"kind":"table","v":1,"schema":"public","name":"users","columns":[{"name":"id","type":"bigint","not_null":true,"max_length":null},{"name":"email","type":"character varying(255)","not_null":true,"max_length":255},{"name":"code","type":"character varying(8)","not_null":false,"max_length":8},{"name":"age","type":"smallint","not_null":false,"max_length":null},{"name":"born","type":"date","not_null":false,"max_length":null},{"name":"nick","type":"text","not_null":true,"max_length":null}],"unique":[["id"],["email"],["code"]],"primary_key":["id"]}'
		echo '{"kind":"rows_begin","v":1,"schema":"public","name":"users"}'
		echo '{"kind":"row","v":1,"r":["1","a@b.c","AB12","33","1990-01-02","ann"]}'
		echo '{"kind":"rows_end","v":1,"schema":"public","name":"users","rows":1}'
		echo '{"kind":"end","v":1,"records":4}'
	} >in.ndjson
}

# bad LINE RULE MESSAGE: a profile whose users.<rule> is refused at line 4 with MESSAGE
bad() {
	printf 'version: 1\ntables:\n  public.users:\n    %s\n' "$1" >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[ -z "$output" ] || { echo "wrote: $output"; return 1; }
	[[ "$stderr" == *"p.yaml:4: $2"* ]] || { echo "stderr: $stderr"; return 1; }
}

@test "a good profile passes" {
	cat >p.yaml <<'YAML'
version: 1
tables:
  users:
    email: {strategy: email}
    code: {strategy: tokenize}
    age: {strategy: int_range, min: 0, max: 150}
    born: {strategy: generalize, unit: year}
    nick: {strategy: mask, keep_first: 1}
YAML
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e -s '.[2].r[4] == "1990-01-01" and .[2].r[5] == "a**"' out.ndjson
}

@test "unknown table, unknown column, unknown strategy, unknown parameter" {
	printf 'version: 1\ntables:\n  public.users:\n    email: {strategy: email}\n  public.nope:\n    x: {strategy: keep}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[[ "$stderr" == *"p.yaml:5: unknown table public.nope"* ]]
	bad 'emial: {strategy: email}' 'unknown column "emial" in table public.users'
	bad 'email: {strategy: frobnicate}' 'unknown strategy "frobnicate"'
	bad 'nick: {strategy: mask, keep_frist: 2}' 'strategy "mask" has no parameter "keep_frist"'
	[[ "$stderr" == *"hint: its parameters: keep_first, keep_last, char"* ]]
	bad 'nick: {strategy: mask, keep_first: two}' 'parameter "keep_first" wants an integer'
	bad 'nick: {strategy: email, on_error: explode}' 'on_error must be fail, null, keep or drop_row'
}

@test "output that cannot fit the column's type or length" {
	bad 'code: {strategy: uuid}' 'strategy "uuid" writes 36 characters, which cannot fit character varying(8) column public.users.code'
	bad 'born: {strategy: email}' 'strategy "email" writes text, which cannot fit date column public.users.born'
	bad 'age: {strategy: int_range, min: 0, max: 100000}' 'range 0..100000 cannot fit smallint column public.users.age'
	bad 'age: {strategy: tokenize}' 'strategy "tokenize" rewrites characters of text, which cannot be done on smallint column public.users.age'
	bad 'code: {strategy: constant, value: "much too long"}' 'constant of 13 characters cannot fit'
	bad 'code: {strategy: hash}' 'strategy "hash" writes up to 32 characters, which cannot fit character varying(8)'
}

@test "a collision-prone strategy on a UNIQUE column, null on a NOT NULL column" {
	bad 'email: {strategy: name}' 'strategy "name" can map two values to one, but column public.users.email is UNIQUE'
	bad 'code: {strategy: hash, length: 8}' 'strategy "hash" can map two values to one'
	bad 'nick: {strategy: "null"}' 'the strategy can make column public.users.nick NULL, but it is NOT NULL'
	bad 'nick: {strategy: mask, on_error: "null"}' 'on_error: null can make column public.users.nick NULL, but it is NOT NULL'
}

@test "every problem is reported at once, and nothing is written" {
	printf 'version: 1\ntables:\n  users:\n    emial: {strategy: email}\n    email: {strategy: name}\n    nick: {strategy: "null"}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" == *"p.yaml:4:"* && "$stderr" == *"p.yaml:5:"* && "$stderr" == *"p.yaml:6:"* ]]
	[[ "$stderr" == *"does not fit the stream: 3 problems"* ]]
}

@test "a malformed profile names its line" {
	printf 'version: 2\ntables: {}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[[ "$stderr" == *'p.yaml:1: the profile needs "version: 1"'* ]]
	printf 'version: 1\ntables:\n  users:\n    email: email\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[[ "$stderr" == *'p.yaml:4: the rule of column "email" must be a mapping'* ]]
	printf 'version: 1\ntables: [\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[[ "$stderr" == *"p.yaml:"* ]]
}
