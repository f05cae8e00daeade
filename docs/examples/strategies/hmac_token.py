#!/usr/bin/env python3
"""hmac_token: a custom strategy as a co-process: value -> prefix + keyed hex token.

Speaks the NDJSON plugin protocol of docs/guides/custom-strategies.md on
stdin/stdout; logs go to stderr.
"""
import hashlib
import hmac
import json
import sys

HELLO = {
    "kind": "hello", "v": 1, "protocol": 1, "name": "hmac_token",
    "summary": "prefix + keyed HMAC-SHA-256 hex token",
    "deterministic": True, "unique": False,
    "params": [
        {"name": "prefix", "type": "string", "required": False, "help": "written before the token (tok_)"},
        {"name": "length", "type": "integer", "required": False, "help": "hex digits (16)"},
    ],
}


def send(rec):
    sys.stdout.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main():
    key, prefix, length = b"", "tok_", 16
    for line in sys.stdin:
        rec = json.loads(line)
        kind = rec.get("kind")
        if kind == "hello":
            send(HELLO)
        elif kind == "configure":
            params = rec.get("params", {})
            prefix = params.get("prefix", prefix)
            length = int(params.get("length", length))
            if not 4 <= length <= 64:
                send({"kind": "error", "v": 1, "message": "length must be between 4 and 64"})
                return 1
            key = bytes.fromhex(rec["key"])
            send({"kind": "ready", "v": 1})
        elif kind == "batch":
            values, errors = [], []
            for i, v in enumerate(rec["values"]):
                if v is None:
                    values.append(None)
                elif v == "":
                    values.append(None)
                    errors.append({"index": i, "message": "empty value"})
                else:
                    h = hmac.new(key, v.encode(), hashlib.sha256).hexdigest()
                    values.append(prefix + h[:length])
            send({"kind": "result", "v": 1, "id": rec["id"], "values": values, "errors": errors})
        elif kind == "shutdown":
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
