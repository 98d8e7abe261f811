#!/usr/bin/env bash
# Two teng processes on one machine do not both take CPU 1: each claims
# the CPUs of its workers (cpus.h), the second picks another CPU and
# says so, a named CPU another teng holds is said, and when every CPU is
# held the worker shares one and says with whom.
#   cpus.sh TENG
set -u
teng=$1
tmp=$(mktemp -d)
export TENG_RUN_DIR=$tmp/run
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || { echo "SKIP: needs 2 CPUs"; exit 77; }
run() { timeout 30 "$teng" scenarios/crr.lua duration=1 cps=1000 --quiet "$@" 2>&1; }
held() { ! flock -n "$TENG_RUN_DIR/cpu$1.lock" true; }

# A holds CPU 1 (the default) while it runs.
"$teng" scenarios/crr.lua duration=30 cps=1000 --quiet >"$tmp/a" 2>&1 &
a=$!; pids+=("$a")
for _ in $(seq 100); do [ -f "$TENG_RUN_DIR/cpu1.lock" ] && held 1 && break; sleep 0.1; done
held 1 || fail "the first teng holds no claim on CPU 1"
grep -q "runs another teng\|shares CPU" "$tmp/a" && fail "the first teng complained: $(cat "$tmp/a")"

# B, without --cpus: another CPU, said with A's PID.
out=$(run --json "$tmp/b.json")
echo "$out" | grep -q "^teng: CPU 1 runs another teng (pid $a): worker 0 is on CPU [0-9]*$" ||
  fail "B did not say it moved off CPU 1: $out"
moved=$(echo "$out" | sed -n 's/^teng: CPU 1 runs .*: worker 0 is on CPU \([0-9]*\)$/\1/p')
[ -n "$moved" ] && [ "$moved" != 1 ] || fail "B's worker is on CPU '$moved'"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['client']['completed']>0 and r['client']['failed']==0" \
  "$tmp/b.json" || fail "B did not run"

# C names CPU 1: it runs there, and says A is there too.
out=$(run --cpus 1)
echo "$out" | grep -q "^teng: CPU 1 also runs another teng (pid $a): the figures of both suffer" ||
  fail "C did not say CPU 1 is shared: $out"

# Every CPU held (A on 1, holders on the others): D shares and says so.
for c in $(seq 0 $((ncpu - 1))); do
  [ "$c" = 1 ] && continue
  flock -o -n "$TENG_RUN_DIR/cpu$c.lock" sleep 30 & pids+=("$!")
done
for c in $(seq 0 $((ncpu - 1))); do for _ in $(seq 50); do held "$c" && break; sleep 0.1; done; done
out=$(run)
echo "$out" | grep -q "^teng: worker 0 shares CPU 1 with another teng (pid $a): the figures of both suffer" ||
  fail "D did not say it shares CPU 1: $out"

# A gone: its claim goes with it, and the next run is quiet about CPUs.
kill -INT "$a"; wait "$a"; rc=$?
kill -KILL "${pids[@]:1}" 2>/dev/null
wait 2>/dev/null
[ "$rc" -eq 0 ] || fail "A exited $rc: $(cat "$tmp/a")"
for _ in $(seq 50); do held 0 || held 1 || break; sleep 0.1; done
out=$(run)
echo "$out" | grep -q "runs another teng\|shares CPU\|also runs" && fail "E complained with A gone: $out"
echo "ok: B moved to CPU $moved, C and D said whom they share with, E was quiet"
