#!/usr/bin/env bash
# Two workers on the loopback: queue i pairs with queue i, each worker
# serves both roles of its own connections, and the compiler splits the
# rate so that the two together open what the schedule says.
set -u
teng=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teng" scenarios/http_like.lua cps=20000 duration=3 --cores 2 --quiet \
  --json "$tmp/out.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc, want 0"; exit 1; }
python3 - "$tmp/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, s = r["client"], r["server"]
assert r["cores"] == 2, "cores = %s" % r["cores"]
# 1 s ramp 0 -> 20000 (10000 connections) + 3 s at 20000.
want = 10000 + 3 * 20000
assert abs(c["attempted"] - want) <= want * 0.01, "attempted %d, schedule says %d" % (c["attempted"], want)
assert c["failed"] == 0 and s["failed"] == 0, "failures %d/%d" % (c["failed"], s["failed"])
assert s["completed"] == c["completed"] == c["attempted"], "counts differ: %s %s" % (c, s)
print("ok: 2 cores, %d connections" % c["completed"])
PY
