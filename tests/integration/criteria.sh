#!/usr/bin/env bash
# Pass criteria decide the exit code, and a miss names the criterion:
#   criteria.sh TENG CASE
# met          the defaults of criteria/crr_criteria.lua: exit 0
# min_cps      min_cps = 1e7 cannot be met on the loopback: exit 1, names min_cps
# txn_p50      max_latency.transaction.p50 = 1ms with a 2 ms think: exit 1, names it
# phase_txn    a phase's max_latency.transaction.p99 = 1ms, 2 ms think: exit 1, names it and the phase
# idle         a run that opens nothing (cps=0, both roles): exit 1, "completed no connection"
# server_idle  two server-only processes over memif, nothing connects: each exits 1
set -u
teng=$1 case=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
here=tests/integration/criteria

fail() { echo "FAIL: $case: $*"; exit 1; }

# run WANT_RC TEXT ARGS...: one bounded run; its output must contain TEXT
# on a line that also says FAIL (when WANT_RC is 1) or PASS (when 0).
run() {
  local want=$1 text=$2
  shift 2
  timeout -k 5 60 "$teng" "$@" --quiet --json "$tmp/out.json" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  cat "$tmp/out" "$tmp/err"
  [ "$rc" -eq "$want" ] || fail "exit code $rc, want $want"
  [ -s "$tmp/out.json" ] || fail "no JSON written"
  local verdict=PASS
  [ "$want" -eq 1 ] && verdict=FAIL
  grep -F -- "$text" "$tmp/out" | grep -q "$verdict" \
    || fail "no line with '$verdict' and '$text' in the report"
}

case $case in
  met) run 0 "PASS" $here/crr_criteria.lua ;;
  min_cps) run 1 "min_cps" $here/crr_criteria.lua min_cps=1e7 ;;
  txn_p50) run 1 "max_latency.transaction.p50 (run)" $here/crr_criteria.lua think=0.002 txn_p50=1ms ;;
  phase_txn) run 1 "max_latency.transaction.p99 (phase main)" $here/crr_criteria.lua think=0.002 txn_p99=1ms ;;
  idle) run 1 "completed no connection" scenarios/crr.lua cps=0 duration=1 ;;
  server_idle)
    # The memif server end makes the socket; the client end needs it.
    sock=$tmp/idle.sock
    timeout -k 5 60 "$teng" $here/server_idle.lua --port "memif:$sock:server" --quiet \
      --json "$tmp/a.json" >"$tmp/a.out" 2>"$tmp/a.err" &
    pids+=($!)
    for ((i = 0; i < 100; i++)); do
      [ -S "$sock" ] && break
      kill -0 "${pids[0]}" 2>/dev/null || break
      sleep 0.1
    done
    [ -S "$sock" ] || { cat "$tmp/a.out" "$tmp/a.err"; fail "no memif socket after 10 s"; }
    timeout -k 5 60 "$teng" $here/server_idle.lua --port "memif:$sock:client" --quiet \
      --json "$tmp/b.json" >"$tmp/b.out" 2>"$tmp/b.err" &
    pids+=($!)
    wait "${pids[0]}"; rc_a=$?
    wait "${pids[1]}"; rc_b=$?
    pids=()
    for s in a b; do echo "--- $s"; cat "$tmp/$s.out" "$tmp/$s.err"; done
    [ "$rc_a" -eq 1 ] || fail "memif server end: exit code $rc_a, want 1"
    [ "$rc_b" -eq 1 ] || fail "memif client end: exit code $rc_b, want 1"
    for s in a b; do
      grep "FAIL" "$tmp/$s.out" | grep -q "server ran and completed no connection" \
        || fail "$s: no FAIL line saying the server completed no connection"
      [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["server"]["accepted"])' \
        "$tmp/$s.json" 2>/dev/null)" = 0 ] || fail "$s: server.accepted is not 0 in the JSON"
    done ;;
  *) fail "unknown case" ;;
esac
echo "ok: $case"
