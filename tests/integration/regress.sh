#!/usr/bin/env bash
# Regressions found in review, each a small loopback run:
#   regress.sh TENG NAME [teng options]
# big_mss and time_wait: exit 0, every connection completed on both
# sides, no reset sent.
set -u
teng=$1 name=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teng" "tests/integration/regress/$name.lua" --quiet --json "$tmp/out.json" "$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc, want 0"; exit 1; }
python3 - "$tmp/out.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]
c, s, t = r["client"], r["server"], r["tcp"]
assert c["completed"] > 0, "nothing completed"
assert c["failed"] == 0 and s["failed"] == 0, "failed %d/%d" % (c["failed"], s["failed"])
assert s["completed"] == c["completed"] == c["attempted"], "counts %s %s" % (c, s)
assert t["rst_tx"] == 0, "resets sent: %d" % t["rst_tx"]
if name == "big_mss":
    assert c["bytes_rx"] == c["completed"] * r["plan"]["server_tx_per_conn"], "bytes_rx"
print("ok: %s completed %d" % (name, c["completed"]))
PY
