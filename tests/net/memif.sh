#!/usr/bin/env bash
# net_memif: two teng processes over memif, no namespaces (shared memory
# only): a client process (memif server end) making 50,000 connections and
# a server process (memif client end), stopped with SIGINT once the client
# is done. Both complete every connection; the counts match.
#   memif.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_memif "$1"
conns=${2:-50000}
sock=/tmp/teng-memif-$$.sock
NET_FILES+=("$sock")
here=tests/net

# The memif server end (the client process) makes the socket; the memif
# client end (the server process) needs it to exist when it starts.
log "client: teng $here/memif_client.lua --port memif:$sock:server conns=$conns"
net_bg client - "$TENG" $here/memif_client.lua --port "memif:$sock:server" "conns=$conns" \
  --quiet --json "$T/client.json"
cpid=$NET_LAST_PID
for ((i = 0; i < 100; i++)); do
  [ -S "$sock" ] && break
  kill -0 "$cpid" 2>/dev/null || break
  sleep 0.1
done
[ -S "$sock" ] || { net_show client; die "no memif socket $sock after 10 s"; }
log "server: teng $here/memif_server.lua --port memif:$sock:client duration=120"
net_bg server - "$TENG" $here/memif_server.lua --port "memif:$sock:client" duration=120 \
  --quiet --json "$T/server.json"
spid=$NET_LAST_PID
net_wait_exit "$cpid" 100
crc=$NET_RC
kill -INT "$spid" 2>/dev/null
net_wait_exit "$spid" 20
src=$NET_RC
net_show client
net_show server
net_expect_eq "client process exit code" "$crc" 0
net_expect_eq "server process exit code" "$src" 0
net_expect_eq client.completed "$(net_json "$T/client.json" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$T/client.json" client.failed)" 0
net_expect_eq server.completed "$(net_json "$T/server.json" server.completed)" "$conns"
net_expect_eq server.failed "$(net_json "$T/server.json" server.failed)" 0
# Each side's port counters are its own packet counts, also on the side
# that ends last, after its peer went away (issue 11: it read 0).
for side in client server; do
  net_expect_eq "$side: port.packets_tx = pkts_tx" "$(net_json "$T/$side.json" port.packets_tx)" \
    "$(net_json "$T/$side.json" extra.pkts_tx)"
  net_expect_eq "$side: port.packets_rx = pkts_rx" "$(net_json "$T/$side.json" port.packets_rx)" \
    "$(net_json "$T/$side.json" extra.pkts_rx)"
done
net_done
