#!/usr/bin/env bash
# net_impair: --impair on a real port (af_packet on a veth), against the
# Linux kernel's TCP.
#  1. loss=1: ARP and ping are still answered (only TCP is impaired), but
#     no SYN-ACK ever leaves: curl cannot connect, and teng counts every
#     TCP frame it built in tcp.impair_lost, none in its port's packets.
#  2. loss=0.05, reorder=0.05, dup=0.02: 20 curls of a 64 kB body each
#     complete byte-exact; teng retransmitted and counted the impairment.
#   impair.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_impair "$1"
net_setup 1

# 1. everything TCP lost
net_bg teng "$TNS" "$TENG" scenarios/http_server.lua duration=30 --quiet \
  --impair loss=1,seed=1 --json "$T/lost.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show teng; die "198.18.0.2 does not answer ARP within 10 s under loss=1"; }
in_peer ping -c 2 -W 1 198.18.0.2 >"$T/ping.out" 2>&1
ping_rc=$?
in_peer curl -s --max-time 3 -o /dev/null http://198.18.0.2/
curl_rc=$?
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show teng
net_expect_eq "ping under loss=1 (not TCP: not impaired)" "$ping_rc" 0
net_expect "curl under loss=1 fails (got $curl_rc)" "$curl_rc" -ne 0
lost=$(net_json "$T/lost.json" tcp.impair_lost)
net_expect "tcp.impair_lost > 0 ($lost)" "${lost//missing/0}" -gt 0
net_expect_eq "port packets_tx = pkts_tx (lost frames never reach the port)" \
  "$(net_json "$T/lost.json" port.packets_tx)" "$(net_json "$T/lost.json" extra.pkts_tx)"
net_expect_eq "server.completed under loss=1" "$(net_json "$T/lost.json" server.completed)" 0

# 2. some loss, reordering and duplication: the kernel and teng repair it
size=65536
net_bg teng2 "$TNS" "$TENG" scenarios/http_server.lua body=$size duration=60 --quiet \
  --impair loss=0.05,reorder=0.05,dup=0.02,seed=1 --json "$T/some.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show teng2; die "198.18.0.2 does not answer ARP within 10 s"; }
want=$(python3 -c "import hashlib; print(hashlib.sha256((b'abcdefghijklmnopqrstuvwxyz' * ($size // 26 + 1))[:$size]).hexdigest())")
ok=0
for i in $(seq 1 20); do
  rm -f "$T/body"
  in_peer curl -s --max-time 20 -o "$T/body" http://198.18.0.2/ &&
    [ "$(sha256sum "$T/body" | cut -d' ' -f1)" = "$want" ] && ok=$((ok + 1))
done
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show teng2
net_expect_eq "curls complete byte-exact" "$ok" 20
net_expect_eq "server.completed" "$(net_json "$T/some.json" server.completed)" 20
net_expect_eq "server.failed" "$(net_json "$T/some.json" server.failed)" 0
for k in retransmits impair_lost impair_dup impair_reordered; do
  v=$(net_json "$T/some.json" tcp.$k)
  net_expect "tcp.$k > 0 ($v)" "${v//missing/0}" -gt 0
done
net_done
