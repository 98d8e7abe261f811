#!/usr/bin/env bash
# --records on the loopback (tests/integration/records/mix_fail.lua: 600
# client connections, of which some fail with http_status, mismatch and
# peer_closed; each has a server connection too):
#   records.sh TENG CASE
# cap      --records-cap 50: exactly 50 valid lines (one core and two)
# all      no cap reached: the lines' outcomes and reasons add up to the
#          JSON's per role, per template and per listener (one core and two)
# sample   --records-sample 7: exactly ceil(600 / 7) per role on one core;
#          with 2 cores within a line per worker of it; with a cap too,
#          the cap counts the sampled ones
# full     --records /dev/full: the failed write is exit 3, named
# Every line is checked by records/check.py (fields, tuples in the
# scenario's ranges, timestamps in order).
set -u
teng=$1 case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=tests/integration/records
scn=$here/mix_fail.lua

fail() { echo "FAIL: $case: $*"; exit 1; }

# run ARGS...: one bounded run writing $tmp/r.jsonl and $tmp/r.json; the
# scenario fails connections on purpose, so its verdict is 1.
run() {
  rm -f "$tmp/r.jsonl" "$tmp/r.json"
  timeout -k 5 60 "$teng" "$scn" --quiet --records "$tmp/r.jsonl" --json "$tmp/r.json" "$@" \
    >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq 1 ] || { cat "$tmp/out" "$tmp/err"; fail "exit code $rc, want 1 (connections failed on purpose)"; }
  grep -q "^records " "$tmp/out" || { cat "$tmp/out"; fail "no records line in the report"; }
}

check() { python3 $here/check.py "$tmp/r.jsonl" "$tmp/r.json" "$@" || fail "check.py $*"; }

case $case in
  cap)
    run --records-cap 50; check cap 50
    run --records-cap 50 --cores 2; check cap 50
    ;;
  all)
    run; check all
    run --cores 2; check all
    ;;
  sample)
    run --records-sample 7; check sample 7
    run --records-sample 7 --cores 2; check sample 7
    run --records-sample 2 --records-cap 40; check cap 40
    ;;
  full)
    timeout -k 5 60 "$teng" "$scn" --quiet --records /dev/full >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 3 ] || { cat "$tmp/out" "$tmp/err"; fail "exit code $rc, want 3"; }
    grep -q "writing the records to /dev/full failed: No space left on device" "$tmp/err" \
      || { cat "$tmp/err"; fail "no message naming the failed write"; }
    ;;
  *) fail "unknown case" ;;
esac
echo "ok: $case"
