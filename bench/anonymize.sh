#!/bin/bash
# bench/anonymize.sh: conf-anonymize on a 1,000,000-row users stream (id, name, email,
# phone, created_at): passing rows through, and masking three columns, against
# reading the same stream with cat in the same run.  Then --bench per strategy.
set -euo pipefail
. "$(dirname "$0")/common.sh"
N=${BENCH_ROWS:-1000000}
export CONFITURE_ANON_KEY=bench-key-0123456789abcdef
stream="$work/users.ndjson"
"$top/tests/anon/gen-users" "$N" >"$stream"
cat >"$work/users.yaml" <<'YAML'
version: 1
tables:
  users:
    name: {strategy: name}
    email: {strategy: email, domain: person_email}
    phone: {strategy: phone, keep_prefix: 2}
YAML
mb=$(du -m "$stream" | cut -f1)
t_cat=$(seconds cat "$stream")
t_pass=$(seconds conf-anonymize "$stream")
t_mask=$(seconds conf-anonymize --profile "$work/users.yaml" "$stream")
rate() { echo "$N $1" | awk '{ printf "%.0f", $1 / $2 }'; }
echo "conf-anonymize, $N rows ($mb MB):"
echo "  cat (baseline)               ${t_cat} s"
echo "  pass-through (no profile)    ${t_pass} s   $(rate "$t_pass") rows/s"
echo "  3 masked columns             ${t_mask} s   $(rate "$t_mask") rows/s"
echo "per strategy (conf-anonymize --bench, 200000 values):"
for s in keep hash email phone name tokenize uuid credit_card date_shift; do
	conf-anonymize --bench "$s" | head -n 1 | sed 's/^/  /'
done
conf-anonymize --bench int_range min=0 max=999999 | head -n 1 | sed 's/^/  /'
rm -f "$stream"
