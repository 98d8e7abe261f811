#!/usr/bin/env bash
# Results, verdict and the per-second hook on the loopback:
#   results.sh TENG CASE
# json_full        --json /dev/full: the write fails: exit 3 with a message, the report printed
# hook_stop        on_second returns "stop" after 2 s of a 20 s run: exit 0, JSON says so
# hook_error       on_second raises: exit 2 naming the scenario line
# criteria_met     criteria that a short loopback run meets: exit 0, PASS
# criteria_missed  an impossible min_cps: exit 1, the criterion named last with its values
set -u
teng=$1 case=$2
fix=tests/integration/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # run EXPECTED_RC ARGS...: runs teng, prints its output, checks the exit code
  local want=$1
  shift
  timeout 50 "$teng" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  cat "$tmp/out" "$tmp/err"
  [ "$rc" -eq "$want" ] || { echo "FAIL: exit code $rc, want $want"; exit 1; }
}
want_text() { # want_text FILE TEXT
  grep -qF -- "$2" "$1" || { echo "FAIL: $(basename "$1") does not contain: $2"; exit 1; }
}

case $case in
json_full)
  run 3 scenarios/crr.lua cps=100 duration=1 --quiet --json /dev/full
  want_text "$tmp/err" "writing the results to /dev/full failed: No space left on device"
  grep -q '^result' "$tmp/out" || { echo "FAIL: no report before the write error"; exit 1; }
  ;;
hook_stop)
  start=$(date +%s)
  run 0 $fix/hook_stop.lua --quiet --json "$tmp/r.json"
  took=$(( $(date +%s) - start ))
  [ "$took" -lt 15 ] || { echo "FAIL: took ${took}s, the hook did not stop the run"; exit 1; }
  want_text "$tmp/out" "hook t=1 phase=main"
  want_text "$tmp/out" "hook t=2 phase=main"
  python3 - "$tmp/r.json" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["stopped"] == "hook", "stopped: %r" % r.get("stopped")
assert r["duration_s"] <= 3, "duration_s %r" % r["duration_s"]
assert r["client"]["completed"] > 0 and r["verdict"]["pass"] is True, "verdict %r" % r["verdict"]
PY
  ;;
hook_error)
  run 2 $fix/hook_error.lua --quiet
  want_text "$tmp/err" "on_second: "
  want_text "$tmp/err" "hook_error.lua:13: attempt to index field 'nope'"
  ;;
criteria_met)
  run 0 $fix/criteria.lua --quiet --json "$tmp/r.json"
  grep -qE '^result +PASS' "$tmp/out" || { echo "FAIL: no PASS"; exit 1; }
  python3 - "$tmp/r.json" <<'PY' || exit 1
import json, sys
v = json.load(open(sys.argv[1]))["verdict"]
assert v["pass"] is True and all(c["ok"] for c in v["criteria"]), v
kinds = {c["kind"] for c in v["criteria"]}
for k in ["min_cps", "max_failures", "max_latency", "min_completed"]:
    assert k in kinds, "criterion %s missing from %r" % (k, kinds)
assert any(c.get("phase") == "steady" for c in v["criteria"]), "no per-phase criterion"
PY
  ;;
criteria_missed)
  run 1 $fix/criteria.lua --quiet min_cps=1000000
  last=$(tail -n 1 "$tmp/out")
  [[ "$last" == "FAIL: min_cps"*"(run): "*" cps < 1000000 cps" ]] || { echo "FAIL: last line: $last"; exit 1; }
  ;;
*)
  echo "unknown case $case"; exit 2 ;;
esac
echo "ok: $case"
