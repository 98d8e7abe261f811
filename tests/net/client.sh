#!/usr/bin/env bash
# net_client: teng as an HTTP client against nginx over af_packet, and the
# wire is clean. 20,000 connections at 2,000/s: every one completes with a
# 200 and the exact response size; nginx logged 20,000 requests; a capture
# on the peer side shows no bad checksum, no TCP analysis warning, no RST,
# and SACK-permitted and timestamps in every SYN and SYN-ACK.
#   client.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_client "$1"
conns=${2:-20000}
net_setup 1
net_nginx_start
net_nginx_response_size
log "one nginx response: $NET_RESP_SIZE bytes (headers + $NET_BODY_SIZE body)"

net_capture_start peer0
net_teng client 90 scenarios/http_client.lua "conns=$conns" cps=2000 duration=30 \
  --quiet --json "$T/client.json"
rc=$NET_RC
net_capture_stop
net_show client
net_expect_eq "teng exit code" "$rc" 0

j="$T/client.json"
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq client.http.status_2xx "$(net_json "$j" client.http.status_2xx)" "$conns"
net_expect_eq client.bytes_rx "$(net_json "$j" client.bytes_rx)" $((conns * NET_RESP_SIZE))
log "info: tcp $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("tcp"))' "$j" 2>/dev/null)"

# nginx's view: one line per request, each 200 with the same byte count,
# each from one of teng's addresses.
log=$T/nginx/access.log
net_expect_eq "nginx access log lines" "$(wc -l <"$log")" "$conns"
net_expect_eq "nginx lines not '200 $NET_RESP_SIZE'" \
  "$(awk -v n="$NET_RESP_SIZE" '$2 != 200 || $3 != n' "$log" | wc -l)" 0
net_expect_eq "nginx lines from outside 198.18.0.10-19" \
  "$(grep -cvE '^198\.18\.0\.1[0-9] ' "$log")" 0
awk '{print $2, $3}' "$log" | sort | uniq -c | head -5

net_expect_wire_clean "$conns"
# SACK and timestamps negotiated on every connection: teng's SYN offers
# both, nginx's SYN-ACK answers both.
net_expect_eq "wire: teng SYNs with SACK-permitted and timestamps" \
  "$(net_capture_count 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.options.sack_perm && tcp.options.timestamp.tsval')" "$conns"
net_expect_eq "wire: nginx SYN-ACKs with SACK-permitted and timestamps" \
  "$(net_capture_count 'tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.options.sack_perm && tcp.options.timestamp.tsval')" "$conns"
net_done
