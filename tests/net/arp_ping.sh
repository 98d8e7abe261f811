#!/usr/bin/env bash
# net_arp_ping: teng answers ARP and ping for its address; a peer that does
# not exist fails the run with exit 3 and a message naming its address,
# within 10 s.
#   arp_ping.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_arp_ping "$1"
net_setup 1

net_bg teng "$TNS" "$TENG" scenarios/http_server.lua duration=30 --quiet
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || log "198.18.0.2 does not answer ARP within 10 s"
in_peer ping -c 3 -W 1 198.18.0.2 >"$T/ping.out" 2>&1
ping_rc=$?
cat "$T/ping.out"
in_peer ip neigh show 198.18.0.2
net_expect_eq "ping -c 3 -W 1 198.18.0.2 exit code" "$ping_rc" 0
kill -INT "$pid"
net_wait_exit "$pid" 15
net_show teng

start=$(date +%s)
net_teng noarp 20 scenarios/http_client.lua dst=198.18.0.99:80 --quiet
rc=$NET_RC took=$(( $(date +%s) - start ))
net_show noarp
net_expect_eq "exit code with no such peer" "$rc" 3
net_expect "failed within 10 s (took ${took}s)" "$took" -le 10
net_expect "a message naming 198.18.0.99" \
  "$(cat "$T/noarp.out" "$T/noarp.err" | grep -c '198\.18\.0\.99')" -gt 0
net_done
