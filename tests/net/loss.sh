#!/usr/bin/env bash
# net_loss: teng against the kernel's TCP with 5% random loss each way
# (issue 8). nftables drops 5% of the TCP frames in each direction on the
# peer's veth (a netdev table: ingress for what teng sends, egress for
# what the peer sends; the kernel has no netem). Then:
#  1. teng's http_client.lua against nginx: exactly 5,000 connections
#     attempted, each a 200 with the exact response size, failed == 0, and
#     teng resets none of them (issue 11: rst_tx == 0, and a capture on the
#     peer's side has no RST from teng's addresses: TIME_WAIT answers a
#     peer's FIN that crossed our lost last ACK);
#  2. curl downloads a 10 MB body from teng's http_server.lua byte-exact
#     (sha256);
# and the nftables counters show that frames were dropped both ways.
#   loss.sh TENG [CONNS] [PERCENT]
. "$(dirname "$0")/lib.sh"
net_init net_loss "$1"
conns=${2:-5000}
pct=${3:-5}
command -v nft >/dev/null 2>&1 || die "missing tool: nft (run ./setup.sh)"
net_setup 1

in_peer nft -f - <<EOF2 || die "nft: cannot add the loss table"
table netdev teng_loss {
  chain from_teng {
    type filter hook ingress device "peer0" priority 0;
    ether type ip ip protocol tcp numgen random mod 100 < $pct counter drop
  }
  chain to_teng {
    type filter hook egress device "peer0" priority 0;
    ether type ip ip protocol tcp numgen random mod 100 < $pct counter drop
  }
}
EOF2
# dropped frames so far, per direction: "IN OUT"
nft_drops() {
  in_peer nft list table netdev teng_loss | sed -nE 's/.*counter packets ([0-9]+).*/\1/p' | tr '\n' ' '
}

# 1. teng as the client, nginx the server
net_nginx_start
net_nginx_response_size
log "one nginx response: $NET_RESP_SIZE bytes; loss $pct% each way"
net_capture_start peer0
net_teng client 150 scenarios/http_client.lua "conns=$conns" cps=500 duration=60 \
  --quiet --json "$T/client.json"
rc=$NET_RC
net_capture_stop
net_show client
read -r d_in d_out <<<"$(nft_drops)"
log "nftables dropped $d_in frames from teng, $d_out to teng"
net_expect_eq "teng exit code" "$rc" 0
j="$T/client.json"
# A failed run says what happened on the wire: every RST in the capture,
# then the whole conversation of the first one, and nginx's non-200 lines.
# The capture on peer0 holds every frame teng sent (the tap runs before
# the ingress drop) and only the peer's frames that survived the egress one.
if [ "$(net_json "$j" client.failed)" != 0 ] ||
   [ "$(net_json "$j" tcp.rst_rx)" != 0 ]; then
  fields="-T fields -e frame.time_relative -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport
    -e tcp.flags.str -e tcp.seq_raw -e tcp.ack_raw -e tcp.len -e tcp.window_size_value"
  log "RSTs in the capture:"
  # shellcheck disable=SC2086
  tshark -n -r "$T/cap.pcap" -Y 'tcp.flags.reset == 1' $fields 2>/dev/null | head -20
  read -r rport raddr < <(tshark -n -r "$T/cap.pcap" -Y 'tcp.flags.reset == 1 && tcp.srcport == 80' \
    -T fields -e tcp.dstport -e ip.dst 2>/dev/null | head -1)
  if [ -n "${rport:-}" ]; then
    log "the conversation of $raddr:$rport (teng's side):"
    # shellcheck disable=SC2086
    tshark -n -r "$T/cap.pcap" -Y "tcp.port == $rport && ip.addr == $raddr" \
      $fields -e tcp.options.timestamp.tsval 2>/dev/null | head -60
  fi
  log "nginx lines other than 200:"
  grep -v ' 200 ' "$T/nginx/access.log" | head -10
fi
net_expect_eq client.attempted "$(net_json "$j" client.attempted)" "$conns"
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq client.http.status_2xx "$(net_json "$j" client.http.status_2xx)" "$conns"
net_expect_eq client.bytes_rx "$(net_json "$j" client.bytes_rx)" $((conns * NET_RESP_SIZE))
net_expect "frames dropped from teng ($d_in)" "${d_in:-0}" -gt 0
net_expect "frames dropped to teng ($d_out)" "${d_out:-0}" -gt 0
net_expect_eq tcp.rst_tx "$(net_json "$j" tcp.rst_tx)" 0
net_expect_eq "RSTs from teng in the capture" \
  "$(net_capture_count 'tcp.flags.reset == 1 && ip.src >= 198.18.0.10 && ip.src <= 198.18.0.19')" 0
net_expect "teng retransmitted ($(net_json "$j" tcp.retransmits))" "$(net_json "$j" tcp.retransmits)" -gt 0
log "info: tcp $(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tcp"]; print({k: v for k, v in t.items() if v})' "$j" 2>/dev/null)"
kill -TERM "$NET_NGINX_PID" 2>/dev/null
net_wait_exit "$NET_NGINX_PID" 10

# 2. teng as the server, curl the client: 10 MB byte-exact
size=10000000
net_bg teng_10m "$TNS" "$TENG" scenarios/http_server.lua body=$size duration=200 --quiet \
  --json "$T/server.json"
pid=$NET_LAST_PID
net_wait_arp 198.18.0.2 10 || { net_show teng_10m; die "198.18.0.2 does not answer ARP within 10 s"; }
t0=$(date +%s.%N)
in_peer curl -s --max-time 150 -o "$T/body" http://198.18.0.2/
curl_rc=$?
t1=$(date +%s.%N)
read -r e_in e_out <<<"$(nft_drops)"
kill -INT "$pid"
net_wait_exit "$pid" 20
net_show teng_10m
log "10 MB in $(python3 -c "print('%.1f' % ($t1 - $t0))") s; nftables dropped $((e_in - d_in)) from teng, $((e_out - d_out)) to teng"
net_expect_eq "curl exit code" "$curl_rc" 0
net_expect_eq "body size" "$(stat -c %s "$T/body" 2>/dev/null)" "$size"
want=$(python3 -c "import hashlib; print(hashlib.sha256((b'abcdefghijklmnopqrstuvwxyz' * ($size // 26 + 1))[:$size]).hexdigest())")
net_expect_eq "body sha256" "$(sha256sum "$T/body" 2>/dev/null | cut -d' ' -f1)" "$want"
net_expect_eq "server.completed (10 MB run)" "$(net_json "$T/server.json" server.completed)" 1
net_expect "frames from teng dropped during the download" $((e_in - d_in)) -gt 0
net_done
