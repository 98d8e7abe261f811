#!/usr/bin/env bash
# net_server: teng as an HTTP server (http_server.lua on teng0). wrk with
# 32 connections for 5 s: no socket errors, only 2xx, and teng's
# server.completed is wrk's request count plus at most the 32 connections
# wrk had open when it stopped. Then curl fetches a 1 MiB body byte-exact.
#   server.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_server "$1"
net_setup 1

# 1. wrk
net_bg teng "$TNS" "$TENG" scenarios/http_server.lua duration=40 --quiet --json "$T/server.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show teng; die "198.18.0.2 does not answer ARP within 10 s"; }
in_peer timeout -k 5 30 wrk -t1 -c32 -d5s -H 'Connection: close' http://198.18.0.2/ >"$T/wrk.out" 2>&1
wrk_rc=$?
cat "$T/wrk.out"
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show teng
net_expect_eq "wrk exit code" "$wrk_rc" 0
net_expect "teng exits 0 or 1 after SIGINT (got $NET_RC)" "$NET_RC" -le 1
reqs=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$T/wrk.out")
reqs=${reqs:-0}
net_expect "wrk completed requests ($reqs)" "$reqs" -gt 0
errs=$(sed -nE 's/^ *Socket errors: (.*)/\1/p' "$T/wrk.out")
net_expect_eq "wrk socket errors (non-zero counts)" \
  "$(echo "$errs" | grep -oE '[0-9]+' | grep -cv '^0$')" 0
net_expect_eq "wrk Non-2xx line" "$(grep -c 'Non-2xx' "$T/wrk.out")" 0
done_=$(net_json "$T/server.json" server.completed)
net_expect "server.completed $done_ in [wrk requests $reqs, $reqs + 32]" \
  "${done_//missing/-1}" -ge "$reqs" -a "${done_//missing/-1}" -le $((reqs + 32))

# 2. a 1 MiB body, byte-exact: teng.bytes repeats a-z.
size=1048576
net_bg teng_1m "$TNS" "$TENG" scenarios/http_server.lua body=$size duration=40 --quiet \
  --json "$T/server_1m.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show teng_1m; die "198.18.0.2 does not answer ARP within 10 s"; }
in_peer curl -s --max-time 20 -o "$T/body" http://198.18.0.2/
curl_rc=$?
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show teng_1m
net_expect_eq "curl exit code" "$curl_rc" 0
net_expect_eq "body size" "$(stat -c %s "$T/body" 2>/dev/null)" "$size"
want=$(python3 -c "import hashlib; print(hashlib.sha256((b'abcdefghijklmnopqrstuvwxyz' * ($size // 26 + 1))[:$size]).hexdigest())")
net_expect_eq "body sha256" "$(sha256sum "$T/body" 2>/dev/null | cut -d' ' -f1)" "$want"
net_expect_eq "server.completed (1 MiB run)" "$(net_json "$T/server_1m.json" server.completed)" 1
net_done
