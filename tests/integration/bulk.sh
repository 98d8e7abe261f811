#!/usr/bin/env bash
# Bulk transfers are byte-exact (issue 8, scenarios/bulk.lua): every byte
# is checked against the a..z pattern by the receiver.
#   bulk.sh TENG exact      2 connections of 10,000,000 bytes down: both
#                           complete, bytes counted exactly both sides
#   bulk.sh TENG up         100,000 bytes up, then 1,000 down, 8 connections
#   bulk.sh TENG loss       10,000,000 bytes down under --impair loss=0.02:
#                           complete, byte-exact, retransmissions > 0
#   bulk.sh TENG mismatch   one wrong byte fails every connection (mismatch)
set -u
teng=$1 case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
want_rc=0
case $case in
  exact) args=(scenarios/bulk.lua bytes=10000000 conns=2 open=2); n=2 down=10000000 up=16 ;;
  up) args=(scenarios/bulk.lua bytes=1000 up=100000 conns=8 open=4); n=8 down=1000 up=100000 ;;
  loss) args=(scenarios/bulk.lua bytes=10000000 conns=1 open=1 --impair loss=0.02,seed=1); n=1 down=10000000 up=16 ;;
  mismatch) args=(tests/integration/bulk/mismatch.lua); n=20 down=0 up=4 want_rc=1 ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
timeout -k 5 120 "$teng" "${args[@]}" --quiet --json "$tmp/r.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq "$want_rc" ] || { echo "FAIL: exit $rc, want $want_rc"; exit 1; }
python3 - "$tmp/r.json" "$case" "$n" "$down" "$up" <<'PY'
import json, sys
r, case = json.load(open(sys.argv[1])), sys.argv[2]
n, down, up = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
c, s, t = r["client"], r["server"], r["tcp"]
errors = []
def want(cond, what):
    if not cond:
        errors.append(what)
if case == "mismatch":
    want(c["completed"] == 0, "client.completed == 0 (%d)" % c["completed"])
    want(c["failed"] == n, "client.failed == %d (%d)" % (n, c["failed"]))
    want(c["failures"].get("mismatch") == n, "client.failures.mismatch == %d (%s)" % (n, c["failures"]))
else:
    want(c["completed"] == n, "client.completed == %d (%d)" % (n, c["completed"]))
    want(s["completed"] == n, "server.completed == %d (%d)" % (n, s["completed"]))
    want(c["failed"] == 0 and s["failed"] == 0, "failed == 0 (client %d, server %d)" % (c["failed"], s["failed"]))
    want(c["bytes_rx"] == n * down, "client.bytes_rx == %d (%d)" % (n * down, c["bytes_rx"]))
    want(s["bytes_tx"] == n * down, "server.bytes_tx == %d (%d)" % (n * down, s["bytes_tx"]))
    want(s["bytes_rx"] == n * up, "server.bytes_rx == %d (%d)" % (n * up, s["bytes_rx"]))
    want(c["requests"] == 2 * n, "client.requests == %d (%d)" % (2 * n, c["requests"]))
    if case == "loss":
        want(t["retransmits"] > 0, "tcp.retransmits > 0 (%d)" % t["retransmits"])
        want(t.get("impair_lost", 0) > 0, "tcp.impair_lost > 0 (%s)" % t.get("impair_lost"))
    else:
        want(t["retransmits"] == 0, "tcp.retransmits == 0 (%d)" % t["retransmits"])
print("bulk %s: client %d completed, %d bytes in; tcp retransmits %d" % (case, c["completed"], c["bytes_rx"], t["retransmits"]))
for e in errors:
    print("FAIL:", e)
sys.exit(1 if errors else 0)
PY
