#!/usr/bin/env bash
# Benchmark: af_xdp against af_packet on one veth pair. A teng client
# (--role client, CPU 1) in one network namespace and a teng server
# (--role server, CPU 0) in another, joined by a veth pair, run crr.lua
# at a series of fixed offered rates, first over af_xdp on both ends,
# then over af_packet. For each run: the completed rate, failed
# connections (both roles), retransmissions (both roles) and frames the
# ports missed; for each driver the highest clean rate (no failure, no
# retransmission, nothing missed, at least 95% of the offered rate
# completed). A driver's series stops at the first
# rate it cannot carry (completed < 95% of offered) after that point.
# Root only (namespaces); the namespaces have no IP addresses, so the
# kernel answers nothing.
#   tests/bench/afxdp.sh [--secs S] [--rates "R1 R2 ..."] [--drivers "af_xdp af_packet"]
#                        [--json FILE] [--teng PATH]
# Not part of the test suite: the figures depend on the machine and its load.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=5
rates="20000 50000 100000 200000 300000 400000 600000 800000 1000000"
drivers="af_xdp af_packet"
json=""
teng=${TENG:-build/teng}
while [ $# -gt 0 ]; do
  case $1 in
    --secs) secs=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --drivers) drivers=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --teng) teng=$2; shift 2 ;;
    *) echo "usage: $0 [--secs S] [--rates 'R ...'] [--drivers 'af_xdp af_packet'] [--json FILE] [--teng PATH]" >&2
       exit 2 ;;
  esac
done
for d in $drivers; do
  case $d in af_xdp | af_packet) ;; *) echo "unknown driver '$d' (af_xdp, af_packet)" >&2; exit 2 ;; esac
done
teng=$(realpath "$teng")
. tests/net/lib.sh
net_init bench_afxdp "$teng"
# teng0 (client) in tengns, peer0 (server) in peerns; lib.sh gives peer0
# an address for the kernel-peer tests: none here, the kernel stays out.
net_setup 1
ip -n "$PNS" addr flush dev peer0
in_teng ethtool -L teng0 rx 1 tx 1 2>/dev/null || true
in_peer ethtool -L peer0 rx 1 tx 1 2>/dev/null || true

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus, kernel $(uname -r)," \
     "hugepages free: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo)"
echo "crr.lua, $secs s per rate; client on CPU 1 (teng0), server on CPU 0 (peer0)"
: >"$T/runs.jsonl"

# run DRIVER RATE: one client run against a fresh server; a line of
# results appended to $T/runs.jsonl and printed.
run() {
  local d=$1 rate=$2 tag="$1-$2"
  net_bg "s-$tag" "$PNS" "$teng" --quiet --role server --cpus 0 --port "$d:peer0" \
    --json "$T/s-$tag.json" scenarios/crr.lua duration=$((secs + 60))
  local spid=$NET_LAST_PID
  # The server's start-up (DPDK, the port) before the client's: the
  # client's ARP gives up after 3 s.
  sleep 1
  net_bg "c-$tag" "$TNS" "$teng" --quiet --role client --cpus 1 --port "$d:teng0" \
    --json "$T/c-$tag.json" scenarios/crr.lua "cps=$rate" "duration=$secs"
  local cpid=$NET_LAST_PID
  net_wait_exit "$cpid" $((secs + 60))
  local crc=$NET_RC
  kill -INT "$spid" 2>/dev/null
  net_wait_exit "$spid" 30
  local src=$NET_RC
  python3 - "$d" "$rate" "$T/c-$tag.json" "$T/s-$tag.json" "$crc" "$src" "$T/c-$tag.err" \
    "$T/s-$tag.err" >>"$T/runs.jsonl" <<'PY'
import json, sys
d, rate, cj, sj, crc, src, cerr, serr = sys.argv[1:9]
x = {"driver": d, "offered": int(rate)}
try:
    c, s = json.load(open(cj)), json.load(open(sj))
except Exception:
    tail = (open(cerr).read() + open(serr).read()).strip()[-300:]
    x["error"] = "exit codes client %s, server %s: %s" % (crc, src, tail)
    print(json.dumps(x)); sys.exit()
if int(crc) > 1 or int(src) > 1:
    x["error"] = "exit codes client %s, server %s" % (crc, src)
ph = [p for p in c["phases"] if p["name"] != "ramp"]
dur = sum(p["duration_s"] for p in ph)
missed = lambda r: sum(v.get("imissed", 0) for v in r["port"]["devices"])
x.update(completed_rate=sum(p["client"]["completed"] for p in ph) / dur if dur else 0,
         completed=c["client"]["completed"], failed=c["client"]["failed"],
         server_failed=s["server"]["failed"],
         retransmits=c["tcp"]["retransmits"] + s["tcp"]["retransmits"],
         missed=missed(c) + missed(s),
         connect_p99_us=c["client"]["latency_us"]["connect"]["p99"])
x["clean"] = ("error" not in x and x["failed"] == 0 and x["server_failed"] == 0
              and x["retransmits"] == 0 and x["missed"] == 0
              and x["completed_rate"] >= 0.95 * x["offered"])
print(json.dumps(x))
PY
  python3 - "$(tail -n 1 "$T/runs.jsonl")" <<'PY'
import json, sys
x = json.loads(sys.argv[1])
if "error" in x and "completed" not in x:
    print("  %-9s %9d/s  ERROR %s" % (x["driver"], x["offered"], x["error"])); sys.exit()
print("  %-9s %9d/s offered: %9.0f/s completed, failed %d/%d, retransmits %d, missed %d, "
      "connect p99 %.0f us%s%s" % (x["driver"], x["offered"], x["completed_rate"], x["failed"],
      x["server_failed"], x["retransmits"], x["missed"], x["connect_p99_us"],
      "" if x["clean"] else "  (not clean)", ("  " + x["error"]) if "error" in x else ""))
PY
}

for d in $drivers; do
  echo "$d:"
  for rate in $rates; do
    run "$d" "$rate"
    # Saturated: the rate did not come through; the next ones will not.
    python3 -c 'import json,sys; x=json.loads(sys.argv[1]); sys.exit(0 if "error" not in x and x["completed_rate"] >= 0.95 * x["offered"] else 1)' \
      "$(tail -n 1 "$T/runs.jsonl")" || { echo "  $d saturated at $rate/s offered"; break; }
  done
done

python3 - "$T/runs.jsonl" "$drivers" "$secs" "${json:-}" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
drivers, secs, out = sys.argv[2].split(), float(sys.argv[3]), sys.argv[4]
best = {}
for d in drivers:
    clean = [r for r in runs if r["driver"] == d and r.get("clean")]
    b = max(clean, key=lambda r: r["offered"]) if clean else None
    best[d] = {"offered": b["offered"], "completed_rate": b["completed_rate"]} if b else None
    print("highest clean rate, %-9s %s" % (d + ":", "%d/s offered, %.0f/s completed" % (b["offered"], b["completed_rate"]) if b else "none"))
if best.get("af_xdp") and best.get("af_packet"):
    print("af_xdp / af_packet (highest clean offered rate): %.2f" % (best["af_xdp"]["offered"] / best["af_packet"]["offered"]))
if out:
    with open(out, "w") as f:
        json.dump({"secs": secs, "runs": runs, "best_clean": best}, f, indent=2)
        f.write("\n")
PY
