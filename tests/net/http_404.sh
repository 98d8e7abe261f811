#!/usr/bin/env bash
# net_http_404: a wrong reply fails the run. http_client.lua path=/missing
# against nginx: every response is a 404, so every connection fails for
# http_status (a recv{http=true} expects 2xx by default), teng exits 1, and
# the report says FAIL naming the failed criterion and the reason.
#   http_404.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_http_404 "$1"
conns=${2:-100}
net_setup 1
net_nginx_start
net_teng client 60 scenarios/http_client.lua path=/missing "conns=$conns" cps=500 duration=20 \
  --quiet --json "$T/client.json"
rc=$NET_RC
net_show client
net_expect_eq "teng exit code" "$rc" 1
j="$T/client.json"
net_expect_eq client.failed "$(net_json "$j" client.failed)" "$conns"
net_expect_eq client.completed "$(net_json "$j" client.completed)" 0
net_expect_eq client.failures.http_status "$(net_json "$j" client.failures.http_status)" "$conns"
out="$T/client.out"
# The default criterion "no failed connection" is labelled "failed":
# "FAIL: failed (client, run): 100 > 0".
net_expect "a FAIL line naming the missed criterion" \
  "$(grep -cE '^FAIL: (failed|max_failures|max_fail_ratio)[ .].*client' "$out")" -gt 0
net_expect "the report names the reason http_status" "$(grep -c http_status "$out")" -gt 0
log=$T/nginx/access.log
net_expect_eq "nginx access log lines" "$(wc -l <"$log")" "$conns"
net_expect_eq "nginx lines with a status other than 404" "$(awk '$2 != 404' "$log" | wc -l)" 0
net_done
