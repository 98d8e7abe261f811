#!/usr/bin/env bash
# docs/results.md documents what a real run gives (issue 10, "Docs"):
# every key of the JSON (top level, per_second, records), every key of a
# --records line, every metric family /metrics serves, the three
# telemetry commands, and a screenshot of the HTML report that exists.
set -u
teng=$1
doc=docs/results.md
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# 2% loss so that failure and retransmission series exist too.
timeout -k 5 60 "$teng" scenarios/crr.lua cps=500 duration=2 drain=0.05 --quiet --impair loss=0.02,seed=3 \
  --json "$tmp/r.json" --records "$tmp/rec.jsonl" --metrics "127.0.0.1:$port" --metrics-linger 3 \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q "linger" "$tmp/err" 2>/dev/null && break; sleep 0.1; done
$py - "$port" "$tmp/metrics" <<'PY' || { echo "FAIL: no scrape"; cat "$tmp/err"; exit 1; }
import sys, urllib.request
open(sys.argv[2], "w").write(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode())
PY
wait "$pid"
rc=$?
pid=""
[ "$rc" -le 1 ] || { echo "FAIL: teng exited $rc"; cat "$tmp/err"; exit 1; }
$py - "$doc" "$tmp/r.json" "$tmp/rec.jsonl" "$tmp/metrics" <<'PY'
import json, os, re, sys
doc_path, json_path, rec_path, metrics_path = sys.argv[1:5]
text = open(doc_path).read()
def section(title):
    m = re.search(r"^## " + re.escape(title) + r"\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"{doc_path} has no section '## {title}'"
    return m.group(1)
missing = []
def need(sec_title, names, what):
    sec = section(sec_title)
    for n in sorted(set(names)):
        if not re.search(r"(?<![\w.])" + re.escape(n) + r"(?![\w])", sec):
            missing.append(f"{what} '{n}' (section '{sec_title}')")
r = json.load(open(json_path))
need("The JSON", r.keys(), "JSON key")
need("The JSON", [k for s in r["per_second"] for k in s.keys()], "per_second key")
need("Per-connection records", r["records"].keys(), "records key")
lines = [json.loads(l) for l in open(rec_path)]
assert lines, "no records"
need("Per-connection records", [k for l in lines for k in l.keys()], "record line key")
# Metric families: a name is documented in full, or as `_SUFFIX` after
# a full name that shares its stem (`teng_x_attempted`, `_completed`).
sec = section("Prometheus metrics")
full = set(re.findall(r"`(teng_[a-z0-9_]+)", sec))
suffixes = set(re.findall(r"`(_[a-z0-9_]+)`", sec))
families = set(re.findall(r"^# TYPE (\S+) ", open(metrics_path).read(), re.M))
assert len(families) >= 20, families
for f in sorted(families):
    ok = f in full or f + "_info" in full or any(f == m[:m.rfind("_")] + s for m in full for s in suffixes)
    if not ok:
        missing.append(f"metric '{f}' (section 'Prometheus metrics')")
need("Telemetry", ["/teng/stats", "/teng/phase", "/teng/workers"], "telemetry command")
html = section("The HTML report")
imgs = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", html)
assert imgs, "no screenshot in 'The HTML report'"
for i in imgs:
    p = os.path.join(os.path.dirname(doc_path), i)
    assert open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{p} is not a PNG"
if missing:
    print("FAIL: docs/results.md does not document:\n  " + "\n  ".join(missing))
    sys.exit(1)
print(f"ok: {len(r)} JSON keys, {len(families)} metric families, the record keys, the telemetry commands and {len(imgs)} screenshot(s) documented")
PY
