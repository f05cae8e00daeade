#!/usr/bin/env bats
# conf-extract --data: table records, foreign-key order, selection, exact values.

load helpers/common
load helpers/data

setup_file() {
	sandbox_start
}

teardown_file() {
	sandbox_stop
}

# jt FILE FILTER: FILTER yields at least one value over the file's records, all true.
jt() {
	jq -e -s "[.[] | $2] | length > 0 and all" "$1" >/dev/null
}

setup() {
	SRC=$(new_db src)
	types_schema "$SRC"
	types_rows "$SRC"
	OUT="$BATS_TEST_TMPDIR/out.ndjson"
}

@test "--data writes table records parents first, then each table's rows, then the end record" {
	run --separate-stderr conf-extract --data --db "$SRC"
	assert_success
	echo "$output" >"$OUT"
	assert_equal "$(jq -r 'select(.kind == "table") | .name' "$OUT" | tr '\n' ' ')" "users orders items "
	assert_equal "$(jq -r '.kind' "$OUT" | uniq | tr '\n' ' ')" \
		"table rows_begin row rows_end rows_begin row rows_end rows_begin row rows_end end "
	assert_equal "$(jq -c 'select(.kind == "rows_end") | [.name, .rows]' "$OUT" | tr '\n' ' ')" \
		'["users",4] ["orders",3] ["items",3] '
	assert_equal "$(tail -n 1 "$OUT")" '{"kind":"end","v":1,"records":19}'
	jq -e -s 'all(.[]; (keys_unsorted[0] == "kind") and .v == 1)' "$OUT"
}

@test "table records carry columns, types, lengths, keys and foreign keys; generated columns are left out" {
	conf-extract --data --plan --db "$SRC" >"$OUT"
	assert_equal "$(jq -r '.kind' "$OUT" | tr '\n' ' ')" "table table table end "
	jt "$OUT" 'select(.name == "users") | .columns[1] == {"name":"email","type":"character varying(255)","not_null":true,"max_length":255}'
	jt "$OUT" 'select(.name == "users") | .unique == [["id"],["email"]] and .primary_key == ["id"] and .rows_estimate == 4 and .bytes > 0'
	jt "$OUT" 'select(.name == "orders") | [.columns[].name] | index("total2") == null and length == 16'
	jt "$OUT" 'select(.name == "orders") | .foreign_keys == [{"columns":["user_id"],"ref_schema":"public","ref_table":"users","ref_columns":["id"]}]'
	jt "$OUT" 'select(.name == "orders") | .columns[5].type == "interval" and .columns[9].type == "integer[]"'
	jt "$OUT" 'select(.name == "items") | (.foreign_keys | length) == 2'
}

@test "values are PostgreSQL's text output: NULL and empty differ, escapes, bytea, arrays, json, UTC" {
	conf-extract --data --tables users,orders --db "$SRC" >"$OUT"
	jt "$OUT" 'select(.kind == "row" and .r[0] == "2" and (.r | length) == 4) | .r == ["2","b@x.org","",null]'
	jt "$OUT" 'select(.kind == "row" and .r[0] == "1" and (.r | length) == 4) | .r[2:] == ["Al \"q\" \\ b", "line1\nline2\ttab\rcr"]'
	jt "$OUT" 'select(.kind == "row" and .r[0] == "3" and (.r | length) == 4) | .r[2:] == ["émoji 🎉 ünï", "\\N literal"]'
	jt "$OUT" 'select(.kind == "row" and .r[0] == "4" and (.r | length) == 4) | .r[2:] == ["ctl\u0001\u001f", "\\."]'
	jt "$OUT" 'select(.kind == "row" and (.r | length) == 16 and .r[0] == "1") | .r[2:8] == ["123.4500","2026-01-01 10:00:00.123456+00","2026-02-28","1 year 2 mons 3 days 04:05:06.5","0.30000000000000004","\\x00ff105c0a"]'
	jt "$OUT" 'select(.kind == "row" and (.r | length) == 16 and .r[0] == "1") | .r[8:12] == ["{\"a b\",NULL,\"c\\\"d\",\"\",x}","{{1,2},{3,4}}","{\"k\": [1, 2.50, \"x\\ny\"], \"u\": \"é\"}","{ \"sp\" :  1 , \"sp\" : 2 }"]'
	jt "$OUT" 'select(.kind == "row" and (.r | length) == 16 and .r[0] == "2") | .r[2:13] == ["-0.0001",null,null,null,"NaN","\\x","{}",null,"null","null",""]'
}

@test "--tables and --tables-like select tables; the order stays parents first" {
	conf-extract --data --plan --tables orders,public.users --db "$SRC" >"$OUT"
	assert_equal "$(jq -r 'select(.kind == "table") | .name' "$OUT" | tr '\n' ' ')" "users orders "
	conf-extract --data --plan --tables-like '%s' --tables-like 'nomatch%' --db "$SRC" >"$OUT"
	assert_equal "$(jq -r 'select(.kind == "table") | .name' "$OUT" | tr '\n' ' ')" "users orders items "
	conf-extract --data --plan --tables-like 'public.o%' --db "$SRC" >"$OUT"
	assert_equal "$(jq -r 'select(.kind == "table") | .name' "$OUT" | tr '\n' ' ')" "orders "
}

@test "a table named in --tables that does not exist, or a selection of nothing, is refused before any output" {
	run --separate-stderr conf-extract --data --tables users,nosuch --db "$SRC"
	assert_failure 2
	[[ "$stderr" == *'no table "nosuch" in the source database'* ]]
	assert_equal "$(echo "$output" | jq -r .kind)" "error"
	run --separate-stderr conf-extract --data --tables-like 'zz%' --db "$SRC"
	assert_failure 2
	[[ "$stderr" == *"no table matches the selection"* ]]
	run --separate-stderr conf-extract --tables users --db "$SRC"
	assert_failure 2
	[[ "$stderr" == *"go with --data"* ]]
}

@test "the tracking and checkpoint tables, other schemas' system tables and views are not extracted" {
	q "$SRC" "CREATE TABLE confiture_migrations (version text); CREATE TABLE confiture_sync (x int); CREATE VIEW v AS SELECT 1 AS one; CREATE SCHEMA app; CREATE TABLE app.t (id int)"
	conf-extract --data --plan --db "$SRC" >"$OUT"
	assert_equal "$(jq -r 'select(.kind == "table") | .schema + "." + .name' "$OUT" | sort | tr '\n' ' ')" \
		"app.t public.items public.orders public.users "
}

@test "an unreachable source exits 3" {
	run --separate-stderr conf-extract --data --db "postgresql://nobody@127.0.0.1:1/none"
	assert_failure 3
}
