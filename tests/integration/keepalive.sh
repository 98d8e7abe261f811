#!/usr/bin/env bash
# Keepalive on the loopback (tcp.keepalive), tests/integration/keepalive/think.lua:
# 20 connections, each client thinking 3.5 s between two sends while its
# server waits, idle_timeout 2 s.
#   keepalive.sh TENG answered  keepalive = 1: every connection completes on
#                               both sides (failed 0, exit 0), no idle
#                               timeout, no reset; tcp.keepalives about 6 per
#                               connection: each side probes 1 s after it
#                               last heard its peer (the client from the
#                               server's delayed ACK at 40 ms: 1.04, 2.04,
#                               3.04 s; the server from the first byte: 1, 2,
#                               3 s), each probe answered at once, until the
#                               second byte at 3.5 s
#   keepalive.sh TENG off       keepalive = 0: no probes, and every server
#                               connection fails as idle_timeout (2 s quiet)
#                               while its client thinks (exit 1)
set -u
teng=$1 case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $case in
  answered) ka=1 want_rc=0 ;;
  off) ka=0 want_rc=1 ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
timeout -k 5 60 "$teng" tests/integration/keepalive/think.lua "keepalive=$ka" --quiet \
  --json "$tmp/out.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out" "$tmp/err"
[ "$rc" -eq "$want_rc" ] || { echo "FAIL: exit code $rc, want $want_rc"; exit 1; }
python3 - "$tmp/out.json" "$case" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); case = sys.argv[2]
c, s, t = r["client"], r["server"], r["tcp"]
n = c["attempted"]
errors = []
def want(cond, what):
    if not cond:
        errors.append(what)
want(n == 20, "client.attempted == 20 (%d)" % n)
if case == "answered":
    want(c["completed"] == n and c["failed"] == 0, "client completed %d failed %d %r" % (c["completed"], c["failed"], c["failures"]))
    want(s["completed"] == n and s["failed"] == 0, "server completed %d failed %d %r" % (s["completed"], s["failed"], s["failures"]))
    want(t["timeouts"] == 0, "tcp.timeouts == 0 (%d)" % t["timeouts"])
    want(t["rst_tx"] == 0 and t["rst_rx"] == 0, "no resets (%d sent, %d received)" % (t["rst_tx"], t["rst_rx"]))
    want(c["bytes_rx"] == n and s["bytes_rx"] == 2 * n, "bytes_rx %d/%d" % (c["bytes_rx"], s["bytes_rx"]))
    want(5 * n <= t["keepalives"] <= 7 * n, "tcp.keepalives %d in %d..%d (6 per connection)" % (t["keepalives"], 5 * n, 7 * n))
else:
    want(t["keepalives"] == 0, "tcp.keepalives == 0 (%d)" % t["keepalives"])
    want(s["failed"] == n and s["failures"].get("idle_timeout") == n,
         "server: every connection failed as idle_timeout (%d %r)" % (s["failed"], s["failures"]))
if errors:
    print("FAIL: " + "; ".join(errors)); sys.exit(1)
print("ok: %s: %d connections, tcp.keepalives %d" % (case, n, t["keepalives"]))
PY
