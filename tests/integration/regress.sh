#!/usr/bin/env bash
# Regressions found in review, each a small loopback run:
#   regress.sh TENG NAME [teng options]
# big_mss, time_wait and time_wait_reuse: exit 0, every connection
# completed on both sides, no reset sent; time_wait_reuse: none received
# either, and (the client closing first) TIME_WAIT tuples were skipped.
set -u
teng=$1 name=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teng" "tests/integration/regress/$name.lua" --quiet --json "$tmp/out.json" "$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc, want 0"; exit 1; }
python3 - "$tmp/out.json" "$name" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]; extra = sys.argv[3:]
c, s, t = r["client"], r["server"], r["tcp"]
assert c["completed"] > 0, "nothing completed"
assert c["failed"] == 0 and s["failed"] == 0, "failed %d/%d" % (c["failed"], s["failed"])
assert s["completed"] == c["completed"] == c["attempted"], "counts %s %s" % (c, s)
assert t["rst_tx"] == 0, "resets sent: %d" % t["rst_tx"]
if name == "big_mss":
    assert c["bytes_rx"] == c["completed"] * r["plan"]["server_tx_per_conn"], "bytes_rx"
if name == "time_wait_reuse":
    assert t["rst_rx"] == 0, "resets received: %d" % t["rst_rx"]
    assert c["completed"] >= 10, "completed %d" % c["completed"]
    if "first=server" in extra:
        # the server holds TIME_WAIT; the client's SYNs take the tuples over
        assert t["tw_reuse_refused"] == 0, "refused %d" % t["tw_reuse_refused"]
        assert c["completed"] >= 70, "completed %d" % c["completed"]
    else:
        assert t["tw_reuse_refused"] > 0, "no TIME_WAIT tuple was skipped"
        # 4 tuples held 0.5 s each: at most 8 new connections a second
        assert c["completed"] <= 8 * 2 + 4, "completed %d: tuples reused" % c["completed"]
print("ok: %s completed %d" % (name, c["completed"]))
PY
