#!/usr/bin/env bash
# No coordinated omission: under a rate schedule latency is measured from
# each connection's intended start, so a generator that falls behind shows
# it as latency. crr.lua at a rate the loopback carries on one worker
# (cps=5000) and at one far above it (cps=6000000): the overloaded run
# reports its schedule lag (phases[].lag_us), and its connect latency
# percentiles grow with that lag: p50 and p99 more than 10x the easy run's,
# and the worst connect latency at least half the worst lag.
#   co.sh TENG
set -u
teng=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for run in easy:5000 over:6000000; do
  name=${run%%:*} cps=${run#*:}
  timeout -k 5 60 "$teng" scenarios/crr.lua "cps=$cps" duration=3 --quiet \
    --json "$tmp/$name.json" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "--- $name (cps=$cps): exit $rc"
  cat "$tmp/$name.out" "$tmp/$name.err"
  # The easy run must pass; the overloaded one may fail connections.
  if [ "$name" = easy ] && [ "$rc" -ne 0 ]; then echo "FAIL: the easy run exited $rc"; exit 1; fi
  [ "$rc" -le 1 ] || { echo "FAIL: $name: exit code $rc"; exit 1; }
  [ -s "$tmp/$name.json" ] || { echo "FAIL: $name: no JSON"; exit 1; }
done

python3 - "$tmp/easy.json" "$tmp/over.json" <<'PY'
import json, sys
easy, over = (json.load(open(p)) for p in sys.argv[1:3])
errors = []
def want(cond, what):
    if not cond:
        errors.append(what)

def lag(r):
    v = [p.get("lag_us") for p in r["phases"]]
    return None if any(x is None for x in v) else max(v)

def us(x):
    return "%.0f us" % x if x < 1000 else "%.1f ms" % (x / 1000) if x < 1e6 else "%.2f s" % (x / 1e6)

e, o = easy["client"]["latency_us"]["connect"], over["client"]["latency_us"]["connect"]
le, lo = lag(easy), lag(over)
for name, r, c, l in (("easy", easy, e, le), ("over", over, o, lo)):
    print("%-5s cps %8.0f  connect p50 %s  p99 %s  max %s  lag %s" % (
        name, r["client"]["cps"], us(c["p50"]), us(c["p99"]), us(c["max"]),
        "missing" if l is None else us(l)))
want(le is not None and lo is not None, "phases[].lag_us missing")
want(over["client"]["cps"] < 6000000 / 2, "the overloaded run kept up (cps %.0f)" % over["client"]["cps"])
want(easy["client"]["completed"] > 0 and over["client"]["completed"] > 0, "nothing completed")
if lo is not None and le is not None:
    want(lo >= 100000, "overloaded lag %s < 100 ms: it did not fall behind" % us(lo))
    want(lo > 10 * le, "overloaded lag %s not > 10 x the easy run's %s" % (us(lo), us(le)))
    want(o["max"] >= lo / 2, "worst connect latency %s < half the worst lag %s" % (us(o["max"]), us(lo)))
for p in ("p50", "p99"):
    want(o[p] > 10 * max(e[p], 1), "connect %s: overloaded %s not > 10 x easy %s" % (p, us(o[p]), us(e[p])))
if errors:
    sys.exit("FAIL: " + "; ".join(errors))
print("ok: latency grows with the lag")
PY
