#!/usr/bin/env bash
# Benchmark: two teng processes over memif, one core each: the client
# role in one, the server role in the other (crr by default).
#   tests/bench/memif.sh [seconds] [scenario]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
sc=${2:-crr}
teng=${TENG:-build/teng}
out=$(mktemp -d)
sock="$out/memif.sock"
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT

extra=""
[ "$sc" = http_like ] && extra="open=256"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus," \
     "hugepages free: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo)"
# The memif server side (the client role) first, then the other.
"$teng" --quiet --role client --cpus 1 --port "memif:$sock:server" --json "$out/c.json" \
  "scenarios/$sc.lua" duration="$secs" $extra >"$out/c.log" 2>&1 &
cpid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
"$teng" --quiet --role server --cpus 0 --port "memif:$sock:client" --json "$out/s.json" \
  "scenarios/$sc.lua" duration=$((secs + 30)) >"$out/s.log" 2>&1 &
spid=$!
crc=0; wait "$cpid" || crc=$?
kill -INT "$spid" 2>/dev/null || true
src=0; wait "$spid" || src=$?
spid=""
# 0 or 1 (connections failed) are results; anything else is a crash.
[ "$crc" -le 1 ] && [ "$src" -le 1 ] || echo "FAIL: exit codes client $crc, server $src"
cat "$out/c.log" "$out/s.log" | grep -v "^ " | grep -iE "error|cannot|teng:" || true
python3 - "$out/c.json" "$out/s.json" "$sc" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
cc, ss = c["client"], s["server"]
ph = [p for p in c["phases"] if p["name"] != "ramp"]
dur = sum(p["duration_s"] for p in ph)
done = sum(p["client"]["completed"] for p in ph)
print(f"{sys.argv[3]:>10} over memif: {done / dur:,.0f} conn/s over {dur:g} s "
      f"(client completed {cc['completed']} failed {cc['failed']}, "
      f"server completed {ss['completed']} failed {ss['failed']}, "
      f"connect p50 {cc['latency_us']['connect']['p50']:.0f} us p99 {cc['latency_us']['connect']['p99']:.0f} us)")
PY
