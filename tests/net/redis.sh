#!/usr/bin/env bash
# net_redis: redis.lua against Debian's redis-server, which the test starts
# itself in the peer namespace (no systemd, no persistence). 2,000
# connections, each PING, SET teng:<conn> <random>, GET it back, every
# reply checked: teng exits 0, and redis's own counters agree: 2,000
# connections received and 6,000 commands processed (ours only: the
# difference between INFO before and after, less the INFO calls), 2,000
# distinct keys teng:* in the keyspace. Then cmd=SETX: redis answers
# -ERR, the run exits 1 with every connection failed for resp_error.
#   redis.sh TENG [CONNS]
. "$(dirname "$0")/lib.sh"
net_init net_redis "$1"
conns=${2:-2000}
for t in redis-server redis-cli; do
  command -v "$t" >/dev/null 2>&1 || die "missing tool: $t (run ./setup.sh)"
done
net_setup 1

# Protected mode off: it refuses other hosts without a password, and this
# server is alone in the test's namespace.
net_bg redis "$PNS" redis-server --bind 198.18.0.1 --port 6379 --protected-mode no \
  --save '' --appendonly no --daemonize no --dir "$T"
redis_pid=$NET_LAST_PID
rcli() { in_peer timeout 10 redis-cli -h 198.18.0.1 -p 6379 "$@"; }
for ((i = 0; i < 50; i++)); do
  [ "$(rcli ping 2>/dev/null)" = PONG ] && break
  kill -0 "$redis_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$(rcli ping 2>/dev/null)" = PONG ] || die "redis-server did not start"
log "$(rcli info server | grep -E '^redis_version' | tr -d '\r')"

# redis_stats: "connections commands" received and processed so far, from
# one INFO (a connection of its own, counted with itself; a command is
# counted once it has run, so this INFO shows up in the next one).
redis_stats() {
  rcli info stats | tr -d '\r' | awk -F: '/^total_connections_received:/ { c = $2 }
    /^total_commands_processed:/ { k = $2 } END { print c, k }'
}
read -r conn0 cmd0 < <(redis_stats)

net_teng redis 90 scenarios/redis.lua "conns=$conns" cps=1000 duration=30 \
  --quiet --json "$T/redis.json"
rc=$NET_RC
net_show redis
read -r conn1 cmd1 < <(redis_stats)
net_expect_eq "teng exit code" "$rc" 0
j="$T/redis.json"
net_expect_eq client.completed "$(net_json "$j" client.completed)" "$conns"
net_expect_eq client.failed "$(net_json "$j" client.failed)" 0
req=$(net_json "$j" client.requests)
if [ "$req" != missing ]; then net_expect_eq client.requests "$req" $((conns * 3)); fi
net_expect_eq "redis total_connections_received (ours)" $((conn1 - conn0 - 1)) "$conns"
net_expect_eq "redis total_commands_processed (ours)" $((cmd1 - cmd0 - 1)) $((conns * 3))
net_expect_eq "redis dbsize" "$(rcli dbsize)" "$conns"
net_expect_eq "distinct keys teng:*" "$(rcli --scan --pattern 'teng:*' | sort -u | wc -l)" "$conns"
log "a key: $(rcli --scan --pattern 'teng:*' | head -n 1) = $(rcli get "$(rcli --scan --pattern 'teng:*' | head -n 1)")"

# A wrong command: redis answers -ERR unknown command; each connection
# fails for resp_error and the run exits 1 saying why.
bad=100
net_teng redis_err 60 scenarios/redis.lua "conns=$bad" cmd=SETX cps=500 duration=20 \
  --quiet --json "$T/redis_err.json"
rc=$NET_RC
net_show redis_err
j="$T/redis_err.json"
net_expect_eq "teng exit code (cmd=SETX)" "$rc" 1
net_expect_eq "client.failed (cmd=SETX)" "$(net_json "$j" client.failed)" "$bad"
net_expect_eq "client.failures.resp_error (cmd=SETX)" "$(net_json "$j" client.failures.resp_error)" "$bad"
net_expect "the report names resp_error" "$(grep -c resp_error "$T/redis_err.out")" -gt 0
net_expect "the report says FAIL" "$(grep -c FAIL "$T/redis_err.out")" -gt 0
net_expect_eq "redis dbsize after cmd=SETX" "$(rcli dbsize)" "$conns"
net_done
