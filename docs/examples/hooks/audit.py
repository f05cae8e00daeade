#!/usr/bin/env python3
"""audit.py: an after_apply hook in Python.

Appends one line per applied migration to audit.ndjson in the project
directory (who, when, what, rows written per table) and reports the entry's
number back into the run as a hook_metadata record.
"""
import json
import sys

ctx = json.load(sys.stdin)
entry = {
    "run_id": ctx["run_id"],
    "migration": ctx["migration_id"],
    "name": ctx["migration_name"],
    "type": ctx["migration_type"],
    "user": ctx["user_id"],
    "at": ctx["timestamp"],
    "tables": ctx["tables_affected"],
    "rows": ctx["rows_affected"],
}
with open("audit.ndjson", "a", encoding="utf-8") as log:
    log.write(json.dumps(entry, sort_keys=True) + "\n")
with open("audit.ndjson", encoding="utf-8") as log:
    count = sum(1 for _ in log)
print(json.dumps({"kind": "hook_metadata", "audit_entry": count}))
print(f"audited {ctx['migration_id']} as entry {count}", file=sys.stderr)
