#!/usr/bin/env bash
# net_memif_queues: two teng processes with 2 workers each over memif with
# 2 queue pairs (queue i of one end reaches queue i of the other, so the
# mode is "paired": no steering). The client process completes 100,000
# connections at a modest rate; the counts match on both sides, no worker
# saw a segment of a connection another worker owns (not_owner 0), nothing
# was redirected, and both workers of each side carried traffic.
#   memif_queues.sh TENG [CONNS] [CPS]
. "$(dirname "$0")/lib.sh"
net_init net_memif_queues "$1"
conns=${2:-100000}
cps=${3:-12500}
sock=/tmp/teng-memifq-$$.sock
NET_FILES+=("$sock")
here=tests/net

log "client: teng $here/memif_client.lua --cores 2 --port memif:$sock:server,queues=2 conns=$conns cps=$cps"
net_bg client - "$TENG" $here/memif_client.lua --cores 2 --port "memif:$sock:server,queues=2" \
  "conns=$conns" "cps=$cps" --quiet --json "$T/client.json"
cpid=$NET_LAST_PID
for ((i = 0; i < 100; i++)); do
  [ -S "$sock" ] && break
  kill -0 "$cpid" 2>/dev/null || break
  sleep 0.1
done
[ -S "$sock" ] || { net_show client; die "no memif socket $sock after 10 s"; }
log "server: teng $here/memif_server.lua --cores 2 --port memif:$sock:client,queues=2 duration=120"
net_bg server - "$TENG" $here/memif_server.lua --cores 2 --port "memif:$sock:client,queues=2" \
  duration=120 --quiet --json "$T/server.json"
spid=$NET_LAST_PID
net_wait_exit "$cpid" 120
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
role_of() { [ "$1" = client ] && echo client || echo server; }
for side in client server; do
  f=$T/$side.json role=$(role_of $side)
  net_expect_eq "$side: cores" "$(net_json "$f" cores)" 2
  net_expect_eq "$side: steering.mode" "$(net_json "$f" steering.mode)" paired
  net_expect_eq "$side: steering.redirected" "$(net_json "$f" steering.redirected)" 0
  net_expect_eq "$side: steering.not_owner" "$(net_json "$f" steering.not_owner)" 0
  net_expect_eq "$side: workers" "$(net_json "$f" workers.2.index)" missing
  sum=0
  for w in 0 1; do
    got=$(net_json "$f" "workers.$w.$role.completed")
    net_expect "$side: worker $w carried traffic ($role.completed $got)" "$got" != missing -a "$got" -gt 0
    net_expect_eq "$side: worker $w redirected" "$(net_json "$f" "workers.$w.redirected")" 0
    net_expect_eq "$side: worker $w not_owner" "$(net_json "$f" "workers.$w.not_owner")" 0
    [ "$got" != missing ] && sum=$((sum + got))
  done
  net_expect_eq "$side: the workers' $role.completed add up" "$sum" "$conns"
done
net_done
