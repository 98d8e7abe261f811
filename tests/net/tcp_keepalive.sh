#!/usr/bin/env bash
# net_tcp_keepalive: TCP keepalive (tcp.keepalive) against the Linux
# kernel's TCP over af_packet. The peer is silent_server.py, which accepts,
# reads and never sends. tests/net/tcp_keepalive.lua: each connection
# sends one line, thinks, closes.
#  1. keepalive = 1, 2 connections thinking 4.5 s: the kernel answers
#     every probe, both connections complete (exit 0, failed 0, no idle
#     timeout); tcp.keepalives is 3..5 per connection (predicted 4: 1, 2,
#     3, 4 s after the ACK of the line); in a capture on the peer's side
#     Wireshark sees exactly that many keep-alives from teng and as many
#     keep-alive ACKs from the kernel.
#  2. keepalive = 1, 1 connection thinking 30 s: once the line is
#     received, nftables drops everything the peer sends (a netdev table on
#     its veth, egress). The connection fails for reason keepalive after 9
#     unanswered probes 1 s apart (tcp.keepalives 9, or 10 if the first
#     went out before the rule), about 10 s after the peer was last heard,
#     not as idle_timeout (tcp.timeouts 0); teng's RST reaches the server.
#   tcp_keepalive.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_tcp_keepalive "$1"
command -v nft >/dev/null 2>&1 || die "missing tool: nft (run ./setup.sh)"
net_setup 1
here=$(dirname "$0")

net_bg server "$PNS" python3 -u "$here/silent_server.py" 198.18.0.1 9000
for ((i = 0; i < 50; i++)); do
  grep -q ready "$T/server.out" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$T/server.out" || die "silent_server.py did not start"

# 1. answered
net_capture_start peer0
net_teng answered 60 tests/net/tcp_keepalive.lua conns=2 think=4.5 --quiet --json "$T/answered.json"
rc=$NET_RC
net_capture_stop
net_show answered
j="$T/answered.json"
net_expect_eq "1: teng exit code" "$rc" 0
net_expect_eq "1: client.completed" "$(net_json "$j" client.completed)" 2
net_expect_eq "1: client.failed" "$(net_json "$j" client.failed)" 0
net_expect_eq "1: tcp.timeouts" "$(net_json "$j" tcp.timeouts)" 0
ka=$(net_json "$j" tcp.keepalives)
net_expect "1: tcp.keepalives ($ka) in 6..10 (4 per connection)" "$ka" -ge 6 -a "$ka" -le 10
net_expect_eq "1: wire: keep-alives from teng" \
  "$(net_capture_count 'tcp.analysis.keep_alive && ip.src == 198.18.0.10')" "$ka"
net_expect_eq "1: wire: keep-alive ACKs from the kernel" \
  "$(net_capture_count 'tcp.analysis.keep_alive_ack && ip.src == 198.18.0.1')" "$ka"
net_expect_eq "1: server: connections closed by teng (EOF)" "$(grep -c '^eof' "$T/server.out")" 2

# 2. the peer goes silent once the connection is up
eofs=$(grep -c '^eof' "$T/server.out")
datas=$(grep -c '^data' "$T/server.out")
net_bg dead "$TNS" "$TENG" tests/net/tcp_keepalive.lua conns=1 think=30 --quiet --json "$T/dead.json"
pid=$NET_LAST_PID
for ((i = 0; i < 200; i++)); do
  [ "$(grep -c '^data' "$T/server.out")" -gt "$datas" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
[ "$(grep -c '^data' "$T/server.out")" -gt "$datas" ] || { net_show dead; die "2: the line never reached the server"; }
in_peer nft -f - <<EOF2 || die "nft: cannot add the drop table"
table netdev teng_ka_drop {
  chain to_teng {
    type filter hook egress device "peer0" priority 0;
    ether type ip counter drop
  }
}
EOF2
t0=$(date +%s.%N)
log "2: everything from the peer dropped from now on"
net_wait_exit "$pid" 60
t1=$(date +%s.%N)
net_show dead
j="$T/dead.json"
dropped=$(in_peer nft list table netdev teng_ka_drop | sed -nE 's/.*counter packets ([0-9]+).*/\1/p')
log "2: nftables dropped $dropped frames from the peer; teng ended $(python3 -c "print('%.1f' % ($t1 - $t0))") s after the rule"
net_expect_eq "2: teng exit code (a failed connection)" "$NET_RC" 1
net_expect_eq "2: client.failed" "$(net_json "$j" client.failed)" 1
net_expect_eq "2: client.failures.keepalive" "$(net_json "$j" client.failures.keepalive)" 1
net_expect_eq "2: tcp.timeouts" "$(net_json "$j" tcp.timeouts)" 0
ka=$(net_json "$j" tcp.keepalives)
net_expect "2: tcp.keepalives ($ka) is 9 or 10" "$ka" -ge 9 -a "$ka" -le 10
net_expect "2: the peer's answers were dropped ($dropped)" "${dropped:-0}" -ge 9
net_expect "2: failed 8..14 s after the rule" "$(python3 -c "print(int(8 <= $t1 - $t0 <= 14))")" -eq 1
sleep 0.5
net_expect_eq "2: server: the connection was reset (not closed)" \
  "$(grep -c '^error' "$T/server.out")" 1
net_expect_eq "2: server: no EOF" "$(grep -c '^eof' "$T/server.out")" "$eofs"
net_done
