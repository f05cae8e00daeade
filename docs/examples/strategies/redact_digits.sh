#!/bin/sh
# redact_digits: a custom strategy as a co-process in shell: every digit becomes "#" (or the char asked for).
# Speaks the NDJSON plugin protocol of docs/guides/custom-strategies.md; needs jq.
char='#'
while IFS= read -r line; do
	case $line in
	*'"kind":"hello"'*)
		echo '{"kind":"hello","v":1,"protocol":1,"name":"redact_digits","summary":"every digit replaced by one character","deterministic":true,"unique":false,"params":[{"name":"char","type":"string","required":false,"help":"the replacement (#)"}]}'
		;;
	*'"kind":"configure"'*)
		char=$(printf '%s\n' "$line" | jq -r '.params.char // "#"')
		echo '{"kind":"ready","v":1}'
		;;
	*'"kind":"batch"'*)
		printf '%s\n' "$line" | jq -c --arg c "$char" \
			'{kind: "result", v: 1, id: .id, values: [.values[] | if . == null then null else gsub("[0-9]"; $c) end]}'
		;;
	*'"kind":"shutdown"'*)
		exit 0
		;;
	esac
done
