#!/usr/bin/env bash
# net_arp_conflict: the neighbour table is not silently poisoned. teng
# runs an HTTP client against nginx over af_packet (3,000 connections at
# 300/s, one core, about 10 s); from 5.5 s into the run, past
# NEIGH_REACHABLE_MS (5 s) so that only TCP progress still confirms the
# next hop, scapy in the peer namespace sends forged ARP five times: a
# reply to teng, a gratuitous reply and a request for teng's address, each
# claiming the peer's 198.18.0.1 at a foreign MAC. Then:
#   - every connection completes (failed 0, completed 3,000), nginx logged
#     3,000 requests: the forgeries were not applied;
#   - extra.arp_conflicts is exactly the frames forged, arp_changes 0,
#     arp_probes 0 (TCP kept the entry confirmed all along);
#   - the report warns of the conflict (JSON warnings and the text);
#   - on the wire (captured on the peer's veth) not one TCP segment went to
#     the foreign MAC; teng answered the forged requests (ARP, to it).
# Before the neighbour table (the old arp.c), the first forged reply
# redirected every later segment to the foreign MAC.
#   arp_conflict.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_arp_conflict "$1"
PY=/usr/bin/python3
F="$(cd "$(dirname "$0")" && pwd)/arp_forge.py"
$PY -c "import scapy.all" 2>/dev/null || die "python3-scapy is missing (run ./setup.sh)"
net_setup 1
net_nginx_start
net_nginx_response_size
TMAC=$(in_teng cat /sys/class/net/teng0/address)
FOREIGN=02:66:00:00:00:66
conns=3000 rounds=5

net_capture_start peer0
net_bg client "$TNS" "$TENG" scenarios/http_client.lua "conns=$conns" cps=300 duration=30 \
  --json "$T/client.json"
cpid=$NET_LAST_PID
# The run's clock starts with its first connection: nginx logs it.
for ((i = 0; i < 150; i++)); do
  [ -s "$T/nginx/access.log" ] && break
  kill -0 "$cpid" 2>/dev/null || break
  sleep 0.1
done
[ -s "$T/nginx/access.log" ] || { net_show client; die "teng made no connection within 15 s"; }
sleep 5.5
in_peer timeout 30 $PY "$F" peer0 "$TMAC" 198.18.0.10 198.18.0.1 "$FOREIGN" $rounds 0.5 \
  "$T/forge.json" 2>"$T/forge.err"
net_expect_eq "forger: script exit code" "$?" 0
log "forged: $(cat "$T/forge.json" 2>/dev/null)"
net_wait_exit "$cpid" 60
rc=$NET_RC
net_capture_stop
net_show client | tail -n 30
net_expect_eq "teng exit code" "$rc" 0

j="$T/client.json"
sent=$(net_json "$T/forge.json" sent)
net_expect_eq "forged frames" "$sent" $((rounds * 3))
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq client.bytes_rx "$(net_json "$j" client.bytes_rx)" $((conns * NET_RESP_SIZE))
net_expect_eq "nginx access log lines" "$(wc -l <"$T/nginx/access.log")" "$conns"
net_expect_eq extra.arp_conflicts "$(net_json "$j" extra.arp_conflicts)" "$sent"
net_expect_eq extra.arp_changes "$(net_json "$j" extra.arp_changes)" 0
net_expect_eq "extra.arp_probes (TCP confirmed the next hop)" "$(net_json "$j" extra.arp_probes)" 0
warn=$(python3 -c 'import json,sys; print(sum("ARP conflict" in w for w in json.load(open(sys.argv[1]))["warnings"]))' "$j" 2>/dev/null)
net_expect_eq "JSON warnings naming the ARP conflict" "${warn:-0}" 1
net_expect "text report: the ARP conflict warning" \
  "$(grep -c "warning .*ARP conflict: $sent ARP frames" "$T/client.out")" -eq 1
net_expect_eq "wire: TCP to the foreign MAC" \
  "$(net_capture_count "tcp && eth.dst == $FOREIGN")" 0
net_expect_eq "wire: teng's ARP replies to the forged requests" \
  "$(net_capture_count "arp.opcode == 2 && eth.dst == $FOREIGN && arp.src.hw_mac == $TMAC")" "$rounds"
net_expect_eq "wire: SYNs" "$(net_capture_count 'tcp.flags.syn == 1 && tcp.flags.ack == 0')" "$conns"
net_done
