#!/usr/bin/env bash
# net_af_packet_queues: teng with 2 workers on af_packet with 2 queue
# pairs (the kernel's fanout spreads frames over them, so the mode is
# software steering) as an HTTP client against nginx. 20,000 connections
# at 2,000/s all complete with a 200; the steering mode and the redirect
# counters are in the JSON, per worker too, and the workers' counts add
# up to the totals; both workers open connections. Then teng as a server
# with 2 workers (the symmetric hash owns each connection): wrk with 32
# connections for 3 s gets no socket error and only 2xx, and both workers
# served connections.
#   af_packet_queues.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_af_packet_queues "$1"
conns=${2:-20000}
net_setup 1
net_nginx_start

net_teng client 120 scenarios/http_client.lua --cores 2 --port af_packet:teng0,queues=2 \
  "conns=$conns" cps=2000 duration=30 --json "$T/client.json"
rc=$NET_RC
net_show client
net_expect_eq "teng exit code" "$rc" 0
net_expect "start-up line names the mode" -n "$(grep -F 'steering: software (af_packet has no usable hash), 2 workers' "$T/client.out")"

j="$T/client.json"
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq client.http.status_2xx "$(net_json "$j" client.http.status_2xx)" "$conns"
net_expect_eq "nginx access log lines" "$(wc -l <"$T/nginx/access.log")" "$conns"
net_expect_eq steering.mode "$(net_json "$j" steering.mode)" software
net_expect_eq "steering.redirect_drops (rings never full)" "$(net_json "$j" steering.redirect_drops)" 0
net_expect_eq "steering.not_owner (every segment reached its owner)" "$(net_json "$j" steering.not_owner)" 0
red=$(net_json "$j" steering.redirected)
net_expect "steering.redirected reported ($red)" "$red" != missing -a "$red" -ge 0
log "info: redirected $red frames of $(net_json "$j" extra.pkts_rx) received"
sum=0 rsum=0
for w in 0 1; do
  got=$(net_json "$j" "workers.$w.client.completed")
  r=$(net_json "$j" "workers.$w.redirected")
  net_expect "worker $w opened connections (client.completed $got)" "$got" != missing -a "$got" -gt 0
  net_expect "worker $w redirected reported ($r)" "$r" != missing -a "$r" -ge 0
  [ "$got" != missing ] && sum=$((sum + got))
  [ "$r" != missing ] && rsum=$((rsum + r))
done
net_expect_eq "the workers' client.completed add up" "$sum" "$conns"
net_expect_eq "the workers' redirected add up to steering.redirected" "$rsum" "$red"

# 2. the server role: connections from outside, owned by the hash
net_bg server "$TNS" "$TENG" scenarios/http_server.lua --cores 2 --port af_packet:teng0,queues=2 \
  duration=40 --quiet --json "$T/server.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show server; die "198.18.0.2 does not answer ARP within 10 s"; }
in_peer timeout -k 5 30 wrk -t1 -c32 -d3s -H 'Connection: close' http://198.18.0.2/ >"$T/wrk.out" 2>&1
wrk_rc=$?
cat "$T/wrk.out"
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show server
net_expect_eq "wrk exit code" "$wrk_rc" 0
net_expect "teng server exits 0 or 1 after SIGINT (got $NET_RC)" "$NET_RC" -le 1
reqs=$(sed -nE 's/^ *([0-9]+) requests in .*/\1/p' "$T/wrk.out")
reqs=${reqs:-0}
net_expect "wrk completed requests ($reqs)" "$reqs" -gt 0
errs=$(sed -nE 's/^ *Socket errors: (.*)/\1/p' "$T/wrk.out")
net_expect_eq "wrk socket errors (non-zero counts)" \
  "$(echo "$errs" | grep -oE '[0-9]+' | grep -cv '^0$')" 0
net_expect_eq "wrk Non-2xx line" "$(grep -c 'Non-2xx' "$T/wrk.out")" 0
j="$T/server.json"
done_=$(net_json "$j" server.completed)
net_expect "server.completed $done_ in [wrk requests $reqs, $reqs + 32]" \
  "${done_//missing/-1}" -ge "$reqs" -a "${done_//missing/-1}" -le $((reqs + 32))
net_expect_eq "server: steering.mode" "$(net_json "$j" steering.mode)" software
net_expect_eq "server: steering.redirect_drops" "$(net_json "$j" steering.redirect_drops)" 0
log "info: server redirected $(net_json "$j" steering.redirected) frames of $(net_json "$j" extra.pkts_rx) received"
sum=0
for w in 0 1; do
  got=$(net_json "$j" "workers.$w.server.completed")
  net_expect "server worker $w served connections (server.completed $got)" "$got" != missing -a "$got" -gt 0
  [ "$got" != missing ] && sum=$((sum + got))
done
net_expect_eq "the server workers' server.completed add up" "$sum" "$done_"
net_done
