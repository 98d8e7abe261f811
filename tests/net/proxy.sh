#!/usr/bin/env bash
# net_proxy: through_proxy.lua with nginx as a reverse proxy between teng's
# two ports: client on teng0 -> nginx 198.18.0.1:8080 -> teng's server at
# 198.18.1.2:80 on teng1. 10,000 connections, all complete on both roles.
#   proxy.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_proxy "$1"
conns=${2:-10000}
net_setup 2
net_nginx_start proxy
net_teng proxy 90 scenarios/through_proxy.lua "conns=$conns" cps=1000 duration=40 \
  --quiet --json "$T/proxy.json"
rc=$NET_RC
net_show proxy
net_expect_eq "teng exit code" "$rc" 0
j="$T/proxy.json"
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq server.completed "$(net_json "$j" server.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
net_expect_eq server.failed "$(net_json "$j" server.failed)" 0
log=$T/nginx/access.log
net_expect_eq "nginx access log lines" "$(wc -l <"$log")" "$conns"
net_expect_eq "nginx lines with a status other than 200" "$(awk '$2 != 200' "$log" | wc -l)" 0
net_done
