#!/usr/bin/env bash
# Overload is reported, never lost (issue 7): on the loopback teng drops
# nothing it built, however much it is asked for.
#   overload.sh TENG tiny        a 64-entry transmit queue overfilled by
#                                bulk sends: every connection completes,
#                                no retransmission, no drops_tx_full
#   overload.sh TENG saturated   crr.lua cps=3000000 (several times what
#                                one worker carries): 0 failed on both
#                                roles, 0 retransmissions, and the
#                                `generator saturated` warning
#   overload.sh TENG easy        crr.lua cps=20000: no saturation warning
set -u
teng=$1 case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $case in
  tiny) args=(tests/integration/overload/tiny_queue.lua) ;;
  saturated) args=(scenarios/crr.lua cps=3000000 duration=3) ;;
  easy) args=(scenarios/crr.lua cps=20000 duration=3) ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
timeout -k 5 90 "$teng" "${args[@]}" --quiet --json "$tmp/r.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc"; exit 1; }
python3 - "$tmp/r.json" "$case" <<'PY'
import json, sys
r, case = json.load(open(sys.argv[1])), sys.argv[2]
errors = []
def want(cond, what):
    if not cond:
        errors.append(what)
c, s, t, x = r["client"], r["server"], r["tcp"], r["extra"]
sat = [w for w in r.get("warnings", []) if "generator saturated" in w]
want(c["completed"] > 0, "client.completed > 0 (%d)" % c["completed"])
want(c["failed"] == 0, "client.failed == 0 (%d)" % c["failed"])
want(s["failed"] == 0, "server.failed == 0 (%d)" % s["failed"])
want(t["retransmits"] == 0, "tcp.retransmits == 0 (%d)" % t["retransmits"])
want(x.get("drops_tx_full", 0) == 0, "drops_tx_full == 0 (%d)" % x.get("drops_tx_full", 0))
want(x.get("drops_out_of_order", 0) == 0, "drops_out_of_order == 0")
want(c["completed"] == c["attempted"], "every connection completed (%d of %d)" % (c["completed"], c["attempted"]))
if case == "tiny":
    # The queue really was too small: segments waited, none was lost.
    want(x.get("tx_waits", 0) > 0, "tx_waits > 0: the tiny queue overflowed into the hold list")
if case == "saturated":
    want(len(sat) == 1, "one `generator saturated` warning (%r)" % r.get("warnings"))
    want(x.get("open_deferred", 0) > 0, "open_deferred > 0: back-pressure held openings")
if case == "easy":
    want(not sat, "no saturation warning (%r)" % sat)
for e in errors:
    print("FAIL:", e)
print("ok" if not errors else "%d failed" % len(errors))
sys.exit(1 if errors else 0)
PY
