#!/usr/bin/env bats
# conf-anonymize: the key, test vectors, the built-in strategies, the row stream.

load helpers/common

# not CMD...: succeed when CMD fails (a bare "! cmd" does not fail a bats test)
not() { ! "$@"; }

setup() {
	export CONFITURE_ANON_KEY=confiture-test-vector-key-1
	unset CONFITURE_ANON_KEY_FILE CONFITURE_STRATEGY_PATH
	FIX="$CONF_ROOT/tests/anon"
	cd "$BATS_TEST_TMPDIR"
}

# luhn NUMBER: succeeds when the digits pass the Luhn check
luhn() {
	printf '%s\n' "$1" | tr -cd '0-9\n' | awk '{ s = 0; n = length($0)
		for (i = n; i >= 1; i--) { d = substr($0, i, 1) + 0; if ((n - i) % 2 == 1) { d *= 2; if (d > 9) d -= 9 } s += d }
		exit (s % 10 != 0) }'
}

@test "no key is an error, not a silent default" {
	unset CONFITURE_ANON_KEY
	run --separate-stderr conf-anonymize --test hash alice
	assert_failure 2
	[[ "$stderr" == *"no anonymization key"* ]]
	run --separate-stderr conf-anonymize --profile "$FIX/shop.yaml" "$FIX/shop.ndjson"
	assert_failure 2
	[ -z "$output" ]
}

@test "the key file gives the same outputs as the variable, and the key is never printed" {
	printf '%s\n' "$CONFITURE_ANON_KEY" >key
	run --separate-stderr conf-anonymize --test email alice@corp.com
	want=$output
	unset CONFITURE_ANON_KEY
	CONFITURE_ANON_KEY_FILE=key run --separate-stderr conf-anonymize --test email alice@corp.com
	assert_success
	[ "$output" = "$want" ]
	CONFITURE_ANON_KEY=short run --separate-stderr conf-anonymize --test hash x
	assert_failure 2
	[[ "$stderr" == *"shorter than 16 bytes"* ]]
	[[ "$stderr" != *short\"* ]]
	CONFITURE_ANON_KEY=another-key-0123456789 CONFITURE_ANON_KEY_FILE=key run --separate-stderr conf-anonymize --test hash x
	assert_failure 2
	[[ "$stderr" == *"both"* ]]
}

@test "test vectors: fixed outputs for a fixed key" {
	while IFS='|' read -r strategy value params want; do
		# shellcheck disable=SC2086
		run --separate-stderr conf-anonymize --test "$strategy" "$value" $params
		assert_success
		[ "$output" = "$want" ] || { echo "$strategy $value: got $output, want $want"; return 1; }
	done <<'VECTORS'
email|alice@corp.com||swa7wmdimribhpolrwqwarfa@example.com
phone|+1-555-867-5309||+6-638-305-0588
credit_card|4111111111111111||4111119820453898
tokenize|AB12-cd34||ZK14-yr77
uuid|alice||43e8e77e-46f3-4dd9-b99d-92eb9712c6f9
ip|192.168.1.20|keep_prefix=16|192.168.89.12
iban|DE89370400440532013000||DE45167339177660065413
hash|alice||2dbdfc272a4933c3923e04f7ac9b41da
name|alice||Pedro Yilmaz
date_shift|2024-02-29||2023-06-16
int_range|42|min=0 max=999|765
VECTORS
}

@test "--test - transforms a file of values, one per line" {
	printf 'alice\nbob\nalice\n' | conf-anonymize --test hash - length=8 >out
	[ "$(wc -l <out)" -eq 3 ]
	[ "$(sed -n 1p out)" = "$(sed -n 3p out)" ] && [ "$(sed -n 1p out)" != "$(sed -n 2p out)" ]
	[ "$(sed -n 1p out)" = "2dbdfc27" ]
	printf '1\nx\n' >vals
	run --separate-stderr conf-anonymize --test int_range - min=0 max=9 <vals
	assert_failure 2
	[[ "$stderr" == *"could not transform the value of <stdin>:2: not an integer"* ]]
}

@test "same key same output, another key another output" {
	for s in email hash uuid tokenize name; do
		a=$(conf-anonymize --test $s alice@corp.com)
		b=$(conf-anonymize --test $s alice@corp.com)
		c=$(CONFITURE_ANON_KEY=a-different-key-987654 conf-anonymize --test $s alice@corp.com)
		[ "$a" = "$b" ]
		[ "$a" != "$c" ] || [ $s = name ]
	done
	a=$(conf-anonymize --test hash alice)
	c=$(CONFITURE_ANON_KEY=a-different-key-987654 conf-anonymize --test hash alice)
	[ "$a" != "$c" ]
}

@test "format-preserving outputs keep length, punctuation and character classes" {
	run conf-anonymize --test tokenize 'Ab-12 x/Z9'
	assert_success
	[[ "$output" =~ ^[A-Z][a-z]-[0-9][0-9]\ [a-z]/[A-Z][0-9]$ ]]
	[ "$output" != 'Ab-12 x/Z9' ]
	run conf-anonymize --test phone '+33 (0)6 12-34-56-78' keep_prefix=2
	[[ "$output" =~ ^\+33\ \([0-9]\)[0-9]\ [0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$ ]]
	run conf-anonymize --test mask 5555444433332222 keep_last=4
	[ "$output" = "************2222" ]
	run conf-anonymize --test iban 'GB82 WEST 1234 5698 7654 32'
	[[ "$output" =~ ^GB[0-9]{2}\ [A-Z]{4}\ [0-9]{4}\ [0-9]{4}\ [0-9]{4}\ [0-9]{2}$ ]]
	run conf-anonymize --test uuid anything
	[[ "$output" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	run conf-anonymize --test generalize '2024-05-17 10:11:12+02' unit=year
	[ "$output" = "2024-01-01 00:00:00+02" ]
	run conf-anonymize --test generalize 1234.5 step=100
	[ "$output" = "1200.0" ]
	run conf-anonymize --test regex_replace abc123 pattern='[0-9]+' replacement='<\0>'
	[ "$output" = "abc<123>" ]
	run conf-anonymize --test choice x values='[red, green, blue]'
	[[ "$output" =~ ^(red|green|blue)$ ]]
	run conf-anonymize --test json_path '{"email":"a@b.c","n":[{"p":"x"}],"k":1}' paths='{"$.email": {strategy: email}, "$.n[*].p": {strategy: "null"}}'
	[[ "$output" =~ ^\{\"email\":\"[a-z2-7]{24}@example.com\",\"n\":\[\{\"p\":null\}\],\"k\":1\}$ ]]
	run conf-anonymize --test noise 100.00 ratio=0.1
	awk -v v="$output" 'BEGIN { exit !(v >= 90 && v <= 110 && v != 100) }'
	[[ "$output" =~ ^[0-9]+\.[0-9]{2}$ ]]
}

@test "credit card numbers come out Luhn-valid with the issuer prefix kept" {
	for n in 4111111111111111 5500-0000-0000-0004 340000000000009 6011000990139424; do
		run --separate-stderr conf-anonymize --test credit_card "$n"
		assert_success
		luhn "$output"
		[ "${output:0:6}" = "${n:0:6}" ]
		[ "${#output}" -eq "${#n}" ]
		[ "$output" != "$n" ]
	done
	run --separate-stderr conf-anonymize --test text_scrub 'card 4111 1111 1111 1111, mail bob@corp.example.com, tel +33 6 12 34 56 78.'
	assert_success
	[[ "$output" != *4111\ 1111\ 1111\ 1111* && "$output" != *bob@corp* && "$output" != *"12 34 56 78"* ]]
	card=$(printf '%s' "$output" | sed 's/^card \([0-9 ]*\),.*/\1/')
	luhn "$card"
}

@test "tokenize and int_range never map two values to one" {
	seq 0 19999 | awk '{ printf "{\"kind\":\"row\",\"r\":[\"%d\",\"%05d\",\"%d\"]}\n", $1, $1, $1 }' >rows
	{
		echo '{"kind":"table","name":"t","columns":[{"name":"a","type":"integer"},{"name":"b","type":"text"},{"name":"c","type":"text"}],"unique":[["a"],["b"]]}'
		echo '{"kind":"rows_begin","name":"t"}'
		cat rows
		echo '{"kind":"rows_end","name":"t","rows":20000}'
		echo '{"kind":"end","records":20003}'
	} >in.ndjson
	cat >p.yaml <<'YAML'
version: 1
tables:
  t:
    a: {strategy: int_range, min: 0, max: 19999}
    b: {strategy: tokenize}
    c: {strategy: hash, length: 32}
YAML
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -r 'select(.kind == "row") | .r[0]' out.ndjson | sort -u >a
	jq -r 'select(.kind == "row") | .r[1]' out.ndjson | sort -u >b
	[ "$(wc -l <a)" -eq 20000 ] && [ "$(wc -l <b)" -eq 20000 ]
	# a permutation of the range: every value in 0..19999 exactly once
	[ "$(sort -n a | head -1)" = 0 ] && [ "$(sort -n a | tail -1)" = 19999 ]
	jq -e -s '[.[] | select(.kind == "row") | .r[1] | test("^[0-9]{5}$")] | all' out.ndjson
	# and something did move
	[ "$(jq -r 'select(.kind == "row") | .r[0]' out.ndjson | head -3 | tr '\n' ,)" != "0,1,2," ]
}

@test "rows are masked, the rest passes through byte for byte, domains join across tables" {
	run --separate-stderr conf-anonymize --profile "$FIX/shop.yaml" "$FIX/shop.ndjson"
	assert_success
	printf '%s\n' "$output" >out.ndjson
	# the table records, rows_begin and rows_end are the input's bytes
	diff <(grep -v '"kind":"row",' "$FIX/shop.ndjson" | grep -v '"kind":"end"') <(grep -v '"kind":"row",' out.ndjson | grep -v '"kind":"end"')
	tail -n 1 out.ndjson | jq -e '.kind == "end" and .records == 10'
	not grep -q 'alice@corp.com\|bob@corp.com\|12 34 56 78\|Smith' out.ndjson
	# ids untouched, NULL stays NULL, empty stays empty
	jq -e -s '[.[] | select(.kind == "row")] | .[0].r[0] == "1" and .[1].r[2] == null and .[1].r[3] == ""' out.ndjson
	# the same email in users and orders masks the same way (domain person_email)
	u1=$(jq -r -s '[.[] | select(.kind == "row")][0].r[1]' out.ndjson)
	o1=$(jq -r -s '[.[] | select(.kind == "row")][2].r[2]' out.ndjson)
	[ "$u1" = "$o1" ]
	# one date shift per customer, in both tables (entity id / user_id, domain customer)
	jq -e -s '[.[] | select(.kind == "row")] | (.[0].r[4] | .[0:10]) == .[2].r[3]' out.ndjson
	# the time of day and zone stay
	jq -e -s '[.[] | select(.kind == "row")] | .[0].r[4] | endswith(" 10:00:00+00")' out.ndjson
	# same key, same stream
	conf-anonymize --profile "$FIX/shop.yaml" "$FIX/shop.ndjson" >again.ndjson
	diff out.ndjson again.ndjson
	CONFITURE_ANON_KEY=a-different-key-987654 conf-anonymize --profile "$FIX/shop.yaml" "$FIX/shop.ndjson" >other.ndjson
	not diff -q out.ndjson other.ndjson
}

@test "without a profile every record passes through unchanged and PII-looking columns are reported" {
	run --separate-stderr conf-anonymize "$FIX/shop.ndjson"
	assert_success
	diff <(printf '%s\n' "$output") "$FIX/shop.ndjson"
	[[ "$stderr" == *"warning: column public.users.email looks like personal data (email) and has no rule"* ]]
	[[ "$stderr" == *"public.orders.customer_email"* ]]
	run --separate-stderr conf-anonymize --strict "$FIX/shop.ndjson"
	assert_failure 1
	[[ "$stderr" == *"have no rule (--strict)"* ]]
	[ -z "$output" ]
	# a full profile satisfies --strict
	cat "$FIX/shop.yaml" >full.yaml
	run --separate-stderr conf-anonymize --strict --profile full.yaml "$FIX/shop.ndjson"
	assert_success
}

@test "a truncated stream exits 2 and the table in flight gets no rows_end and no end" {
	head -n 4 "$FIX/shop.ndjson" >cut.ndjson
	run --separate-stderr conf-anonymize --profile "$FIX/shop.yaml" cut.ndjson
	assert_failure 2
	[[ "$stderr" == *"ended without its end record"* ]]
	[[ "$stderr" == *"public.users"* ]]
	printf '%s\n' "$output" >out.ndjson
	not grep -q '"kind":"rows_end"' out.ndjson
	not grep -q '"kind":"end"' out.ndjson
	# a rows_end whose count is wrong, and rows outside a table, are refused too
	sed 's/"rows":2}/"rows":3}/' "$FIX/shop.ndjson" >bad.ndjson
	run --separate-stderr conf-anonymize --profile "$FIX/shop.yaml" bad.ndjson
	assert_failure 2
	[[ "$stderr" == *"counts 3 rows of public.users, 2 arrived"* ]]
	printf '{"kind":"row","r":["1"]}\n' >stray.ndjson
	run --separate-stderr conf-anonymize stray.ndjson
	assert_failure 2
	[[ "$stderr" == *"row outside rows_begin/rows_end"* ]]
	printf '{"kind":"row",\n' >broken.ndjson
	run --separate-stderr conf-anonymize broken.ndjson
	assert_failure 2
	[[ "$stderr" == *"malformed JSON at broken.ndjson:1"* ]]
}

@test "per-value errors follow on_error: fail, null, keep, drop_row" {
	{
		echo '{"kind":"table","name":"t","columns":[{"name":"id","type":"integer"},{"name":"n","type":"text"}]}'
		echo '{"kind":"rows_begin","name":"t"}'
		echo '{"kind":"row","r":["1","5"]}'
		echo '{"kind":"row","r":["2","not a number"]}'
		echo '{"kind":"row","r":["3","7"]}'
		echo '{"kind":"rows_end","name":"t","rows":3}'
		echo '{"kind":"end","records":6}'
	} >in.ndjson
	for policy in fail null keep drop_row; do
		printf 'version: 1\ntables:\n  t:\n    n: {strategy: int_range, min: 0, max: 9, on_error: %s}\n' $policy >p.yaml
		run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
		printf '%s\n' "$output" >out.$policy
	done
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	printf 'version: 1\ntables:\n  t:\n    n: {strategy: int_range, min: 0, max: 9}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_failure 2
	[[ "$stderr" == *"public.t.n at in.ndjson:4: not an integer"* ]]
	[[ "$stderr" != *"not a number"* ]]
	jq -e -s '[.[] | select(.kind == "row")][1].r[1] == null' out.null
	jq -e -s '[.[] | select(.kind == "row")][1].r[1] == "not a number"' out.keep
	jq -e -s '[.[] | select(.kind == "row") | .r[0]] == ["1","3"]' out.drop_row
	jq -e -s '[.[] | select(.kind == "rows_end")][0].rows == 2' out.drop_row
	tail -n 1 out.drop_row | jq -e '.records == 5'
}

@test "rows written in another layout or with escapes are read and written correctly" {
	{
		echo '{"kind":"table","name":"t","columns":[{"name":"id","type":"integer"},{"name":"s","type":"text"}]}'
		echo '{"kind":"rows_begin","name":"t"}'
		echo '{"r":["1","tab\there \"q\" \\ caf\u00e9 \ud83d\ude00"],"kind":"row"}'
		echo '{"kind":"row","v":1,"r":["2","x"]}'
		echo '{"kind":"rows_end","name":"t","rows":2}'
		echo '{"kind":"end","records":5}'
	} >in.ndjson
	printf 'version: 1\ntables:\n  t:\n    s: {strategy: mask, keep_last: 3}\n' >p.yaml
	run --separate-stderr conf-anonymize --profile p.yaml in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	jq -e -s '[.[] | select(.kind == "row")][0].r[1] == "******************é 😀"' out.ndjson
	jq -e -s '[.[] | select(.kind == "row")][1].r[1] == "x"' out.ndjson
}
