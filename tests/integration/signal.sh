#!/usr/bin/env bash
# SIGINT/SIGTERM end the run early: teng stops opening connections, lets
# the open ones finish, still prints the report and writes the JSON.
#   signal.sh TENG SIGNAL
set -u
teng=$1 sig=$2
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start=$(date +%s)
"$teng" scenarios/http_like.lua cps=20000 duration=60 --quiet --json "$tmp/out.json" \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 3
kill -"$sig" "$pid"
wait "$pid"
rc=$?
pid=""
took=$(( $(date +%s) - start ))
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc after SIG$sig, want 0"; exit 1; }
[ "$took" -lt 20 ] || { echo "FAIL: took ${took}s to stop"; exit 1; }
grep -q "^client" "$tmp/out" || { echo "FAIL: no final report"; exit 1; }
python3 - "$tmp/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, s = r["client"], r["server"]
assert r["interrupted"] is True, "interrupted flag not set"
assert c["completed"] > 0, "nothing completed"
assert c["failed"] == 0 and s["failed"] == 0, "failures after a signal: %d/%d" % (c["failed"], s["failed"])
assert s["completed"] == c["completed"], "server %d != client %d" % (s["completed"], c["completed"])
assert r["duration_s"] < 30, "ran the whole 60 s: duration_s=%s" % r["duration_s"]
print("ok: stopped after %.1f s with %d completed" % (r["duration_s"], c["completed"]))
PY
