#!/usr/bin/env bash
# net_teardown: teng (http_client.lua, 2,000/s for 30 s) stopped with
# SIGTERM after 3 s exits within a few seconds, and within 5 s nginx's
# namespace holds no ESTABLISHED or CLOSE_WAIT connection from teng.
#   teardown.sh TENG
. "$(dirname "$0")/lib.sh"
net_init net_teardown "$1"
net_setup 1
net_nginx_start

net_bg teng "$TNS" "$TENG" scenarios/http_client.lua cps=2000 duration=30 --quiet \
  --json "$T/client.json"
pid=$NET_LAST_PID
sleep 3
kill -0 "$pid" 2>/dev/null || { net_show teng; die "teng exited before the SIGTERM"; }
log "requests nginx served before SIGTERM: $(wc -l <"$T/nginx/access.log")"
start=$(date +%s.%N)
kill -TERM "$pid"
net_wait_exit "$pid" 15
took=$(python3 -c "import time; print(round(time.time() - $start, 1))")
net_show teng
net_expect "teng exited after SIGTERM (code $NET_RC; 124 = still running after 15 s)" \
  "$NET_RC" -ne 124
net_expect_eq "teng exit code after SIGTERM" "$NET_RC" 0
net_expect "teng stopped within 8 s (took ${took}s)" "${took%.*}" -lt 8
done_=$(net_json "$T/client.json" client.completed)
net_expect "teng completed connections before the signal ($done_)" "${done_//missing/0}" -gt 0

# What the Linux peer still holds from teng's addresses, for up to 5 s.
left=""
for ((i = 0; i < 10; i++)); do
  left=$(in_peer ss -Htn state established state close-wait '( sport = :80 )' \
    | grep -E '198\.18\.0\.1[0-9]:' || true)
  [ -z "$left" ] && break
  sleep 0.5
done
if [ -n "$left" ]; then
  echo "$left" | head -10
  in_peer ss -Htn '( sport = :80 )' | awk '{print $1}' | sort | uniq -c
fi
net_expect_eq "connections ESTABLISHED or CLOSE_WAIT from teng after 5 s" \
  "$(printf '%s' "$left" | grep -c .)" 0
net_done
