#!/usr/bin/env bash
# net_echo: echo_server.lua on af_packet in teng's namespace, and a Python
# client (echo_client.py) in the peer namespace: 300 connections, each a
# random number of lines of random bytes (random length, "\n" or "\r\n"),
# one at a time. Every line comes back byte-exact, each connection ends
# cleanly when the client closes (the server closes too), and teng's server
# counts match the client's: accepted and completed = connections, none
# failed, bytes received = bytes sent = the client's bytes.
#   echo.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_echo "$1"
conns=${2:-300}
net_setup 1
net_bg teng "$TNS" "$TENG" scenarios/echo_server.lua listen=198.18.0.2:7 duration=60 --quiet \
  --json "$T/echo.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show teng; die "198.18.0.2 does not answer ARP within 10 s"; }
seed=$(( $$ % 100000 ))
log "client: $conns connections, seed $seed"
in_peer timeout -k 5 60 python3 "$(dirname "$0")/echo_client.py" 198.18.0.2 7 "$conns" --seed "$seed" \
  >"$T/client.out" 2>"$T/client.err"
client_rc=$?
cat "$T/client.out" "$T/client.err"
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show teng
net_expect_eq "echo client exit code" "$client_rc" 0
net_expect_eq "teng exit code after SIGINT" "$NET_RC" 0
cj() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/client.out" "$1" 2>/dev/null || echo missing; }
j="$T/echo.json"
net_expect_eq "client: connections completed" "$(cj completed)" "$conns"
net_expect_eq "client: lines that came back different" "$(cj mismatches)" 0
net_expect_eq server.accepted "$(net_json "$j" server.accepted)" "$conns"
net_expect_eq server.completed "$(net_json "$j" server.completed)" "$conns"
net_expect_eq server.failed "$(net_json "$j" server.failed)" 0
net_expect_eq "server.bytes_rx = client bytes sent" "$(net_json "$j" server.bytes_rx)" "$(cj bytes_tx)"
net_expect_eq "server.bytes_tx = client bytes received" "$(net_json "$j" server.bytes_tx)" "$(cj bytes_rx)"
req=$(net_json "$j" server.requests)
if [ "$req" != missing ]; then
  # Each line is one completed recv; the recv that meets the FIN is not.
  net_expect_eq "server.requests = client lines" "$req" "$(cj lines)"
fi
net_done
