#!/usr/bin/env bash
# Benchmark: connections per second on the in-process loopback, one
# worker core running both roles. Not part of the test suite; numbers
# depend on the machine, so it prints the machine with them.
#   tests/bench/loopback.sh [seconds] [cores]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
cores=${2:-1}
teng=${TENG:-build/teng}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus," \
     "hugepages free: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo)"
for sc in crr http_like; do
  extra=""
  [ "$sc" = http_like ] && extra="open=256"
  "$teng" --quiet --cores "$cores" --json "$out/$sc.json" \
    "scenarios/$sc.lua" duration="$secs" $extra >/dev/null 2>&1 || true
  python3 - "$out/$sc.json" "$sc" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["client"]
ph = [p for p in r["phases"] if p["name"] != "ramp"]
dur = sum(p["duration_s"] for p in ph) or r["duration_s"]
done = sum(p["client"]["completed"] for p in ph)
pk = r["port"]["packets_tx"]
print(f"{sys.argv[2]:>10}: {done / dur:,.0f} conn/s over {dur:g} s "
      f"(completed {c['completed']}, failed {c['failed']}, "
      f"{pk / max(c['completed'], 1):.2f} packets/conn, "
      f"connect p50 {c['latency_us']['connect']['p50']:.0f} us)")
PY
done
