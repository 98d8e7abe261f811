# Shared set-up and teardown for the network tests (sourced, bash).
#
# Every test builds its own world: two network namespaces named after its
# PID, veth pairs between them addressed in 198.18.0.0/15, and the peers
# (nginx, tshark, wrk, curl) inside the peer namespace. Nothing touches the
# root namespace's interfaces, addresses or routes. On exit, also on a
# failure or a signal, every process the test started is stopped by its PID
# and the namespaces are deleted (which deletes the veths).
#
#   tengns-PID: teng0 (and teng1), no IP addresses, IPv6 off; teng runs here
#   peerns-PID: peer0 = 198.18.0.1/24 <-> teng0, peer1 = 198.18.1.1/24 <-> teng1
#
# A test: `. tests/net/lib.sh; net_init NAME "$@"; net_setup 1|2; ...;
# net_done`. Not root: exit 77, which ctest reports as skipped.

NET_SKIP=77
TENG=""
TNS="tengns-$$"
PNS="peerns-$$"
T=""                 # this run's temp dir
NET_NAME=""
NET_PIDS=()          # processes to stop on exit
NET_NS=()            # namespaces to delete on exit
NET_FAILS=()         # failed expectations (net_expect_*)
NET_FILES=()         # extra files to remove on exit (memif sockets)
NET_NGINX_PID=""

log() { printf '%s: %s\n' "$NET_NAME" "$*"; }
die() { printf 'FAIL: %s\n' "$*"; exit 1; }

# net_init NAME TENG: root check, tools, temp dir, the EXIT trap.
net_init() {
  NET_NAME=$1 TENG=${2:-}
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: $NET_NAME needs root (network namespaces)"; exit "$NET_SKIP"
  fi
  [ -n "$TENG" ] && [ -x "$TENG" ] || die "usage: $0 TENG (got '${TENG}')"
  local t missing=()
  for t in ip ethtool sysctl nginx wrk curl tshark dumpcap ss ping python3 timeout; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (run ./setup.sh)"
  net_reap_stale
  T=$(mktemp -d "/tmp/teng-$NET_NAME.XXXXXX")
  chmod 755 "$T"
  trap net_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# A test killed outright (ctest's timeout sends SIGKILL) leaves its
# namespaces behind: delete ours whose owning PID is gone.
net_reap_stale() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns =~ ^(tengns|peerns)-([0-9]+)$ ]] || continue
    kill -0 "${BASH_REMATCH[2]}" 2>/dev/null && continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null && echo "removed stale namespace $ns"
  done
}

# Stops what the test started, by PID: SIGTERM, up to 3 s, then SIGKILL;
# then anything still inside our namespaces; then the namespaces.
net_cleanup() {
  local rc=$? pid ns i
  trap - EXIT INT TERM
  for pid in "${NET_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for i in $(seq 30); do
    local alive=0
    for pid in "${NET_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${NET_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for ns in "${NET_NS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  sleep 0.1
  for ns in "${NET_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for f in "${NET_FILES[@]}"; do rm -f "$f"; done
  if [ "$rc" -ne 0 ] && [ "$rc" -ne "$NET_SKIP" ] && [ -n "$T" ]; then
    net_dump_logs
  fi
  if [ -n "${NET_KEEP:-}" ]; then echo "kept $T"; elif [ -n "$T" ]; then rm -rf "$T"; fi
  exit "$rc"
}

# On failure: the tail of every log in the temp dir.
net_dump_logs() {
  local f
  for f in "$T"/*.out "$T"/*.err "$T"/nginx/error.log; do
    [ -s "$f" ] || continue
    echo "---- ${f#"$T"/} (last 30 lines)"
    tail -n 30 "$f"
  done
}

# Namespaces and veths. net_setup 1: teng0/peer0; net_setup 2: also teng1/peer1.
net_setup() {
  local pairs=${1:-1} i
  ip netns add "$TNS" || die "ip netns add $TNS"
  NET_NS+=("$TNS")
  ip netns add "$PNS" || die "ip netns add $PNS"
  NET_NS+=("$PNS")
  ip -n "$TNS" link set lo up
  ip -n "$PNS" link set lo up
  # Quiet kernels: no IPv6 (router solicitations, MLD) on either side.
  ip netns exec "$TNS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip netns exec "$PNS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  for ((i = 0; i < pairs; i++)); do
    # Both ends are created inside their namespaces: no name in the root one.
    ip link add "teng$i" netns "$TNS" type veth peer name "peer$i" netns "$PNS" \
      || die "cannot create veth teng$i/peer$i"
    ip netns exec "$TNS" sysctl -qw "net.ipv6.conf.teng$i.disable_ipv6=1"
    ip netns exec "$PNS" sysctl -qw "net.ipv6.conf.peer$i.disable_ipv6=1"
    # Full checksums on the wire: af_packet must never see partial ones.
    ip netns exec "$TNS" ethtool -K "teng$i" tx off rx off tso off gso off gro off >/dev/null \
      || die "ethtool -K teng$i"
    ip netns exec "$PNS" ethtool -K "peer$i" tx off rx off tso off gso off gro off >/dev/null \
      || die "ethtool -K peer$i"
    ip -n "$PNS" addr add "198.18.$i.1/24" dev "peer$i"
    ip -n "$TNS" link set "teng$i" up
    ip -n "$PNS" link set "peer$i" up
  done
}

in_teng() { ip netns exec "$TNS" "$@"; }
in_peer() { ip netns exec "$PNS" "$@"; }

# net_bg NAME NS CMD...: starts CMD in NS (- for none) in the background,
# output in $T/NAME.out and $T/NAME.err; its PID in NET_LAST_PID (ip netns
# exec execs the command, so this is the command's own PID).
net_bg() {
  local name=$1 ns=$2
  shift 2
  if [ "$ns" = - ]; then
    "$@" >"$T/$name.out" 2>"$T/$name.err" &
  else
    ip netns exec "$ns" "$@" >"$T/$name.out" 2>"$T/$name.err" &
  fi
  NET_LAST_PID=$!
  NET_PIDS+=("$NET_LAST_PID")
}

# net_wait_exit PID SECONDS: waits for a background child; its exit code in
# NET_RC (124 when it was still running after SECONDS: then it is killed).
net_wait_exit() {
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    NET_RC=124
  else
    wait "$pid"
    NET_RC=$?
  fi
}

# net_teng NAME SECONDS ARGS...: runs teng in tengns in the foreground,
# bounded by SECONDS (SIGTERM, then SIGKILL 5 s later). Exit code in NET_RC.
net_teng() {
  local name=$1 limit=$2
  shift 2
  log "teng $*"
  timeout -k 5 "$limit" ip netns exec "$TNS" "$TENG" "$@" >"$T/$name.out" 2>"$T/$name.err"
  NET_RC=$?
}

# Prints a teng run's output (both streams) with a header.
net_show() {
  echo "---- $1: stdout"; cat "$T/$1.out"
  echo "---- $1: stderr"; cat "$T/$1.err"
}

# net_json FILE a.b.c: one value from a results JSON ("missing" if absent).
net_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in sys.argv[2].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v)
except Exception:
    print("missing")
PY
}

# Expectations: recorded, so that one run reports every miss.
net_expect() {   # net_expect WHAT COND...: COND is a test(1) expression
  local what=$1
  shift
  if test "$@" 2>/dev/null; then log "ok: $what"; else NET_FAILS+=("$what"); log "MISS: $what"; fi
}
net_expect_eq() {   # net_expect_eq NAME GOT WANT
  if [ "$2" = "$3" ]; then log "ok: $1 = $2"; else NET_FAILS+=("$1 = $2, want $3"); log "MISS: $1 = $2, want $3"; fi
}
# Exit 1 listing every miss, or 0.
net_done() {
  if [ ${#NET_FAILS[@]} -gt 0 ]; then
    local f
    for f in "${NET_FAILS[@]}"; do echo "FAIL: $f"; done
    exit 1
  fi
  log "PASS"
  exit 0
}

# --- nginx in peerns -------------------------------------------------------
# net_nginx_start [proxy]: static 612-byte /index.html on 198.18.0.1:80;
# with "proxy" also 198.18.0.1:8080 -> http://198.18.1.2:80. Everything
# (pid, logs, temp paths) in $T/nginx; access log "addr status bytes_sent
# body_bytes_sent" in $T/nginx/access.log.
NET_BODY_SIZE=612
net_nginx_start() {
  local n="$T/nginx" proxy=""
  mkdir -p "$n/www" "$n/tmp"
  python3 -c "import sys; sys.stdout.write(('teng test page\n' * 100)[:$NET_BODY_SIZE])" >"$n/www/index.html"
  chmod -R a+rX "$n"
  if [ "${1:-}" = proxy ]; then
    proxy="
    server {
      listen 198.18.0.1:8080;
      location / {
        proxy_pass http://198.18.1.2:80;
        proxy_http_version 1.0;
      }
    }"
  fi
  cat >"$n/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 4096; }
http {
  log_format teng '\$remote_addr \$status \$bytes_sent \$body_bytes_sent';
  access_log $n/access.log teng;
  client_body_temp_path $n/tmp/body;
  proxy_temp_path $n/tmp/proxy;
  fastcgi_temp_path $n/tmp/fastcgi;
  uwsgi_temp_path $n/tmp/uwsgi;
  scgi_temp_path $n/tmp/scgi;
  types { text/html html; }
  default_type application/octet-stream;
  server {
    listen 198.18.0.1:80;
    root $n/www;
  }$proxy
}
EOF
  net_bg nginx "$PNS" nginx -e "$n/error.log" -p "$n" -c "$n/nginx.conf"
  NET_NGINX_PID=$NET_LAST_PID
  local i
  for ((i = 0; i < 50; i++)); do
    in_peer ss -Hltn 'sport = :80' | grep -q 198.18.0.1 && return 0
    kill -0 "$NET_NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$T/nginx.err" "$n/error.log" 2>/dev/null
  die "nginx did not start"
}

# NET_RESP_SIZE: bytes nginx sends for one GET / (headers + body), measured
# with curl inside peerns. The access log is emptied afterwards.
net_nginx_response_size() {
  local sizes
  sizes=$(in_peer curl -s --max-time 5 -o /dev/null -w '%{size_header} %{size_download}' \
    http://198.18.0.1/) || die "curl to nginx failed"
  : >"$T/nginx/access.log"
  NET_RESP_SIZE=$(( ${sizes% *} + ${sizes#* } ))
}

# --- capture in peerns -----------------------------------------------------
# net_capture_start IF: dumpcap on IF in peerns, full packets, to $T/cap.pcap.
net_capture_start() {
  net_bg capture "$PNS" dumpcap -q -i "$1" -B 64 -P -w "$T/cap.pcap"
  NET_CAPTURE_PID=$NET_LAST_PID
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q "Capturing on" "$T/capture.err" 2>/dev/null && return 0
    kill -0 "$NET_CAPTURE_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$T/capture.err"
  die "dumpcap did not start"
}
net_capture_stop() {
  sleep 0.5
  kill -INT "$NET_CAPTURE_PID" 2>/dev/null
  net_wait_exit "$NET_CAPTURE_PID" 10
  grep -i "drop" "$T/capture.err" || true
}

# net_capture_count FILTER: packets in the capture matching a display
# filter, with IP and TCP checksums verified. The first few matches go to
# $T/match.txt.
net_capture_count() {
  tshark -n -r "$T/cap.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
    -Y "$1" 2>"$T/tshark.err" >"$T/match.txt"
  wc -l <"$T/match.txt"
}

# A TCP checksum of 0xffff where 0x0000 is computed is the same value in
# one's complement (RFC 1624); DPDK's helper and Linux both emit it now
# and then. Wireshark calls it bad; it is not.
NET_BAD_CSUM='ip.checksum.status != 1 || (tcp.checksum.status != 1 && !tcp.checksum.ffff)'

# net_expect_wire_clean SYNS: the capture has SYNS connection openings, no
# bad checksum, no TCP analysis warning and no RST.
net_expect_wire_clean() {
  local want_syns=$1 n label filter
  [ -s "$T/cap.pcap" ] || { NET_FAILS+=("no capture file"); return; }
  log "capture: $(tshark -n -r "$T/cap.pcap" -T fields -e frame.number 2>/dev/null | wc -l) packets"
  while IFS='|' read -r label filter; do
    n=$(net_capture_count "$filter")
    net_expect_eq "wire: $label" "$n" 0
    [ "$n" -eq 0 ] || head -n 5 "$T/match.txt"
  done <<EOF2
bad checksums|$NET_BAD_CSUM
tcp.analysis.flags|tcp.analysis.flags
RST|tcp.flags.reset == 1
EOF2
  net_expect_eq "wire: SYNs (tcp.flags.syn==1 && tcp.flags.ack==0)" \
    "$(net_capture_count 'tcp.flags.syn == 1 && tcp.flags.ack == 0')" "$want_syns"
  log "info: TCP checksums 0xffff (valid, RFC 1624): $(net_capture_count tcp.checksum.ffff)"
}

# --- teng readiness --------------------------------------------------------
# net_wait_arp IP SECONDS: waits until IP answers ARP (or ping) from peerns.
net_wait_arp() {
  local ip=$1 limit=$2 i
  for ((i = 0; i < limit; i++)); do
    in_peer ping -c 1 -W 1 "$ip" >/dev/null 2>&1 && return 0
    in_peer ip neigh show "$ip" | grep -q lladdr && return 0
  done
  return 1
}
