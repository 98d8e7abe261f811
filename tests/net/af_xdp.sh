#!/usr/bin/env bash
# net_af_xdp: teng as an HTTP client against nginx over an af_xdp port
# (DPDK's af_xdp driver on the veth teng0), and the wire is clean. 20,000
# connections at 2,000/s: every one completes with a 200 and the exact
# response size; nginx logged them all; during the run teng0 carries the
# driver's XDP program in native (driver) mode, and afterwards it is gone;
# a second teng on teng0 is refused (exit 3) and leaves the first one's
# program in place, and a missing interface is exit 3 naming it; every
# frame teng received came through the program's redirect to the AF_XDP
# socket (veth's own counter), none was dropped there; a capture on the
# peer side shows no bad checksum, no TCP analysis warning, no RST.
# Runs without hugepages (teng's --no-huge); see docs/cli.md "af_xdp".
#   af_xdp.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_af_xdp "$1"
conns=${2:-20000}
net_setup 1
# The driver binds one AF_XDP socket per queue it is given (queue 0 here):
# the veth must deliver everything to rx queue 0. A veth starts with one
# real rx and tx queue per end; say so, rather than trust the default.
in_teng ethtool -L teng0 rx 1 tx 1 2>/dev/null || true
in_peer ethtool -L peer0 rx 1 tx 1 2>/dev/null || true
net_expect_eq "teng0 rx queues" "$(in_teng ls /sys/class/net/teng0/queues | grep -c '^rx-')" 1
net_nginx_start
net_nginx_response_size
log "one nginx response: $NET_RESP_SIZE bytes (headers + $NET_BODY_SIZE body)"

net_capture_start peer0
log "teng scenarios/http_client.lua conns=$conns cps=2000 --port af_xdp:teng0"
net_bg client "$TNS" "$TENG" scenarios/http_client.lua "conns=$conns" cps=2000 duration=30 \
  --port af_xdp:teng0 --quiet --json "$T/client.json"
pid=$NET_LAST_PID
# The XDP program appears once the port is open (ARP follows at once).
xdp=""
for ((i = 0; i < 200; i++)); do
  xdp=$(in_teng ip -d link show teng0 | grep -o 'prog/xdp[a-z]* id [0-9]* name [a-z_]*' || true)
  [ -n "$xdp" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
log "teng0 while teng runs: ${xdp:-no XDP program}"
net_expect "an XDP program in native mode on teng0 during the run (got '${xdp}')" \
  "${xdp%% *}" = prog/xdp
# A second teng on the interface in use is refused before DPDK starts
# (the driver, failing, would detach the first one's program on exit):
# exit 3 naming the program, and the first run goes on unharmed (below).
id=$(grep -o 'id [0-9]*' <<<"$xdp" | cut -d' ' -f2)
net_teng second 30 scenarios/http_client.lua conns=10 --port af_xdp:teng0 --quiet
net_expect_eq "second teng on teng0: exit code" "$NET_RC" 3
net_expect "second teng on teng0: says the interface has XDP program $id" \
  -n "$(grep "port af_xdp:teng0: teng0 already has an XDP program (id $id)" "$T/second.err")"
net_expect_eq "teng0's XDP program after the second teng" \
  "$(in_teng ip -d link show teng0 | grep -o 'prog/xdp[a-z]* id [0-9]* name [a-z_]*')" "$xdp"
net_teng noif 30 scenarios/http_client.lua conns=10 --port af_xdp:teng9 --quiet
net_expect_eq "af_xdp:teng9 (no such interface): exit code" "$NET_RC" 3
net_expect "af_xdp:teng9: says there is no such interface" \
  -n "$(grep "port af_xdp:teng9: no interface teng9 in this network namespace" "$T/noif.err")"
net_wait_exit "$pid" 90
rc=$NET_RC
net_capture_stop
net_show client
net_expect_eq "teng exit code" "$rc" 0
net_expect_eq "XDP programs left on teng0 after teng" \
  "$(in_teng ip -d link show teng0 | grep -c 'prog/xdp')" 0

j="$T/client.json"
net_expect_eq port.spec "$(net_json "$j" port.spec)" af_xdp:teng0
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq client.http.status_2xx "$(net_json "$j" client.http.status_2xx)" "$conns"
net_expect_eq client.bytes_rx "$(net_json "$j" client.bytes_rx)" $((conns * NET_RESP_SIZE))
net_expect_eq tcp.retransmits "$(net_json "$j" tcp.retransmits)" 0
# The driver's own counters: nothing missed by the socket (its rx ring
# full), no transmit refused.
net_expect_eq port.devices.0.imissed "$(net_json "$j" port.devices.0.imissed)" 0
net_expect_eq port.devices.0.oerrors "$(net_json "$j" port.devices.0.oerrors)" 0
# veth's XDP counters on teng0: every frame teng received was redirected
# to the socket by the program (a frame or two more may have come in
# after teng's last read: a clean run has none), and none was dropped.
rx=$(net_json "$j" port.packets_rx)
stats=$(in_teng ethtool -S teng0)
redirected=$(awk '/rx_queue_0_xdp_redirect:/ {print $2}' <<<"$stats")
log "teng0 rx_queue_0_xdp_redirect $redirected, port.packets_rx $rx"
net_expect "teng0 rx_queue_0_xdp_redirect ($redirected) = port.packets_rx ($rx), or up to 2 more" \
  "$((${redirected:-0} - ${rx:-0}))" -ge 0 -a "$((${redirected:-0} - ${rx:-0}))" -le 2
net_expect_eq "teng0 rx_queue_0_xdp_drops" "$(awk '/rx_queue_0_xdp_drops:/ {print $2}' <<<"$stats")" 0
net_expect_eq "teng0 rx_queue_0_drops" "$(awk '/rx_queue_0_drops:/ {print $2}' <<<"$stats")" 0
net_expect "port.packets_rx ($rx) is at least 4 per connection" \
  "${rx:-0}" -ge $((4 * conns))

log=$T/nginx/access.log
net_expect_eq "nginx access log lines" "$(wc -l <"$log")" "$conns"
net_expect_eq "nginx lines not '200 $NET_RESP_SIZE'" \
  "$(awk -v n="$NET_RESP_SIZE" '$2 != 200 || $3 != n' "$log" | wc -l)" 0
net_expect_eq "nginx lines from outside 198.18.0.10-19" \
  "$(grep -cvE '^198\.18\.0\.1[0-9] ' "$log")" 0

net_expect_wire_clean "$conns"
net_done
