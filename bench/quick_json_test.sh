#!/bin/sh
# quick_json_test.sh INPCB - ctest bench/quick_json: `inpcb bench --quick
# --json` must succeed and print one well-formed JSON document whose
# result objects all have the same keys (the schema in docs/benchmarks.md).
# Without python3 only the schema line is checked.
set -eu
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$1" bench --quick --json --workload exact,burst,churn,connect,delivery >"$out"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "inpcb-bench/1", doc.get("schema")
keys = None
for r in doc["results"]:
    k = sorted(r)
    assert keys is None or k == keys, "result keys differ: %s" % r
    keys = k
assert doc["results"], "no results"
for t in doc["targets"]:
    assert set(t) == {"target", "workload", "size", "threads", "ratio",
                      "goal", "met", "note"}, t
PY
else
	grep -q '"schema": "inpcb-bench/1"' "$out"
fi
