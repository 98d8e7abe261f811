#!/usr/bin/env bash
# Software steering through its rings, on the loopback (no root, no NIC):
# with --steering software a server connection belongs to the worker its
# four-tuple hashes to, not to the queue it arrived on, so about half the
# frames go over the rings to their owner and back. Every connection
# completes; redirected > 0 and never dropped; no segment reached a worker
# that does not own it; the per-worker counts add up to the totals, and
# the start-up line and the JSON name the mode. Then the default (auto):
# paired, nothing redirected.
set -u
teng=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teng" scenarios/http_like.lua cps=5000 duration=2 --cores 2 --steering software \
  --json "$tmp/sw.json" >"$tmp/sw.out" 2>"$tmp/sw.err"
rc=$?
grep -E '^(steering|client |server |result)' "$tmp/sw.out"; cat "$tmp/sw.err"
[ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc, want 0"; exit 1; }
grep -qxF 'steering: software (asked), 2 workers' "$tmp/sw.out" \
  || { echo "FAIL: no start-up line 'steering: software (asked), 2 workers'"; exit 1; }
"$teng" scenarios/http_like.lua cps=5000 duration=1 --cores 2 --quiet \
  --json "$tmp/auto.json" >"$tmp/auto.out" 2>&1 || { cat "$tmp/auto.out"; echo "FAIL: auto run"; exit 1; }
python3 - "$tmp/sw.json" "$tmp/auto.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, s, st, ws = r["client"], r["server"], r["steering"], r["workers"]
assert st["mode"] == "software", st
assert c["failed"] == 0 and s["failed"] == 0, (c["failed"], s["failed"])
assert c["completed"] == c["attempted"] == s["completed"] > 0, (c, s)
assert st["redirected"] > 0, st
assert st["redirect_drops"] == 0 and st["not_owner"] == 0, st
assert len(ws) == 2 and [w["index"] for w in ws] == [0, 1], ws
for k in ("redirected", "redirect_drops", "not_owner"):
    assert sum(w[k] for w in ws) == st[k], (k, ws, st)
for role in ("client", "server"):
    assert sum(w[role]["completed"] for w in ws) == r[role]["completed"], (role, ws)
    assert all(w[role]["completed"] > 0 for w in ws), (role, ws)
assert all(w["redirected"] > 0 for w in ws), ws
a = json.load(open(sys.argv[2]))
assert a["steering"]["mode"] == "paired", a["steering"]
assert a["steering"]["redirected"] == 0 and a["steering"]["not_owner"] == 0, a["steering"]
assert a["client"]["failed"] == 0 and a["client"]["completed"] > 0, a["client"]
print("ok: software steering, %d connections, %d frames redirected; auto: paired" %
      (c["completed"], st["redirected"]))
PY
