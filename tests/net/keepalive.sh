#!/usr/bin/env bash
# net_keepalive: keepalive.lua against nginx over af_packet. reqs=100
# conns=1000: 100,000 requests on exactly 1,000 connections, by nginx's own
# access log ($connection is nginx's connection serial number,
# $connection_requests the request's number on it): 1,000 distinct
# connections, each with requests 1..100, every one a 200 of the same size.
#   keepalive.sh TENG [CONNS] [REQS]
. "$(dirname "$0")/lib.sh"
net_init net_keepalive "$1"
conns=${2:-1000}
reqs=${3:-100}
net_setup 1

# nginx as net_nginx_start makes it, with a log line per request that
# names its connection, and enough requests per connection.
n="$T/nginx"
mkdir -p "$n/www" "$n/tmp"
python3 -c "import sys; sys.stdout.write(('teng test page\n' * 100)[:$NET_BODY_SIZE])" >"$n/www/index.html"
chmod -R a+rX "$n"
cat >"$n/nginx.conf" <<EOF2
worker_processes 1;
daemon off;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 4096; }
http {
  log_format teng '\$connection \$connection_requests \$remote_addr \$status \$bytes_sent';
  access_log $n/access.log teng;
  keepalive_requests 1000;
  keepalive_timeout 60s;
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
  }
}
EOF2
net_bg nginx "$PNS" nginx -e "$n/error.log" -p "$n" -c "$n/nginx.conf"
NET_NGINX_PID=$NET_LAST_PID
for ((i = 0; i < 50; i++)); do
  in_peer ss -Hltn 'sport = :80' | grep -q 198.18.0.1 && break
  kill -0 "$NET_NGINX_PID" 2>/dev/null || break
  sleep 0.1
done
in_peer ss -Hltn 'sport = :80' | grep -q 198.18.0.1 || die "nginx did not start"
net_nginx_response_size
log "one nginx response: $NET_RESP_SIZE bytes (headers + $NET_BODY_SIZE body)"

net_teng keepalive 120 scenarios/keepalive.lua "reqs=$reqs" "conns=$conns" cps=200 duration=60 \
  --quiet --json "$T/keepalive.json"
rc=$NET_RC
net_show keepalive
net_expect_eq "teng exit code" "$rc" 0
j="$T/keepalive.json"
total=$((conns * reqs))
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq client.bytes_rx "$(net_json "$j" client.bytes_rx)" $((total * NET_RESP_SIZE))
req=$(net_json "$j" client.requests)
if [ "$req" != missing ]; then net_expect_eq client.requests "$req" "$total"; fi
log=$n/access.log
net_expect_eq "nginx access log lines" "$(wc -l <"$log")" "$total"
net_expect_eq "distinct \$connection" "$(awk '{print $1}' "$log" | sort -u | wc -l)" "$conns"
# Per connection: reqs lines numbered 1..reqs.
net_expect_eq "connections without exactly requests 1..$reqs" "$(awk -v r="$reqs" '
  { n[$1]++; s[$1] += $2; if ($2 > m[$1]) m[$1] = $2 }
  END { bad = 0; for (c in n) if (n[c] != r || m[c] != r || s[c] != r * (r + 1) / 2) bad++; print bad }' "$log")" 0
net_expect_eq "nginx lines not '200 $NET_RESP_SIZE'" \
  "$(awk -v n="$NET_RESP_SIZE" '$4 != 200 || $5 != n' "$log" | wc -l)" 0
net_expect_eq "nginx lines from outside 198.18.0.10-19" \
  "$(awk '$3 !~ /^198\.18\.0\.1[0-9]$/' "$log" | wc -l)" 0
net_done
