#!/usr/bin/env bash
# /metrics during a run (issue 10, "Prometheus"):  metrics.sh TENG CASE
# scrape  crr.lua for 4 s under 2% seeded loss and a 50 ms drain (which
#         aborts the connections still open) with --metrics 127.0.0.1:PORT
#         --metrics-linger 3 --json: every scrape parses with the strict
#         OpenMetrics parser (python3-prometheus-client) and is served as
#         OpenMetrics; counters and histograms never go down between
#         scrapes and the completed count grows; the scrape after the run
#         (lingering) equals the JSON (connections per role, failures by
#         reason, bytes, retransmits, resets, per worker, per device, the
#         histograms' counts and sums); the listener is bound to 127.0.0.1
#         alone; any other path is 404; the port is closed after the linger
# any     --metrics 0.0.0.0:PORT (an address named) listens on every address
#         and says so on stderr (only inside a network namespace of its own)
# busy    a port in use: exit 3 with the reason, before anything starts
# The test runs in a network namespace of its own where it can (root), so
# nothing outside sees what it listens on.
set -u
teng=$1 case=$2
if [ -z "${TENG_METRICS_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  exec env TENG_METRICS_NETNS=1 unshare -n bash "$0" "$@"
fi
if [ -n "${TENG_METRICS_NETNS:-}" ]; then
  ip link set lo up || { echo "FAIL: cannot bring lo up in the namespace"; exit 1; }
fi
# Debian's python has the parser (a python of one's own in PATH may not).
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
$py -c "import prometheus_client.openmetrics.parser" 2>/dev/null ||
  { echo "FAIL: python3-prometheus-client is not installed (setup.sh installs it)"; exit 1; }

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

case $case in
scrape)
  timeout -k 5 60 "$teng" scenarios/crr.lua cps=2000 duration=4 drain=0.05 --impair loss=0.02,seed=7 --cores 2 \
    --quiet --json "$tmp/r.json" --metrics "127.0.0.1:$port" --metrics-linger 3 >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  $py - "$port" "$pid" "$tmp/r.json" <<'PY' || { cat "$tmp/out" "$tmp/err"; exit 1; }
import json, os, sys, time, urllib.error, urllib.request
from prometheus_client.openmetrics.parser import text_string_to_metric_families

port, pid, json_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
url = "http://127.0.0.1:%d" % port

def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

def listeners(path):
    """Local addresses listening on the port (hex, as /proc/net/tcp has them)."""
    out = []
    with open(path) as f:
        next(f)
        for line in f:
            parts = line.split()
            addr, p = parts[1].split(":")
            if int(p, 16) == port and parts[3] == "0A":
                out.append(addr)
    return out

def scrape():
    with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
        ctype = r.headers["Content-Type"]
        body = r.read().decode()
    assert ctype == "application/openmetrics-text; version=1.0.0; charset=utf-8", ctype
    assert body.endswith("# EOF\n"), body[-50:]
    fams = {f.name: f for f in text_string_to_metric_families(body)}  # strict: raises on any error
    samples = {}
    for f in fams.values():
        for s in f.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    phase = [s.labels["teng_phase"] for s in fams["teng_phase"].samples if s.value == 1]
    assert len(phase) == 1, "phase state set: %r" % phase
    return fams, samples, phase[0]

scrapes, seen_listen, deadline = [], None, time.time() + 40
while time.time() < deadline:
    try:
        fams, samples, phase = scrape()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        # Not listening yet, or not served yet (the main lcore serves
        # /metrics only while it waits between snapshots).
        if not alive():
            break
        time.sleep(0.1)
        continue
    scrapes.append((fams, samples, phase))
    if seen_listen is None:
        seen_listen = (listeners("/proc/net/tcp"), listeners("/proc/net/tcp6"))
        # Nothing but /metrics.
        try:
            urllib.request.urlopen(url + "/", timeout=5)
            raise AssertionError("/ answered 200")
        except urllib.error.HTTPError as e:
            assert e.code == 404, e.code
    if phase == "done":
        break
    time.sleep(0.3)

assert scrapes, "no scrape succeeded"
assert seen_listen == (["0100007F"], []), "listening on %r (tcp, tcp6), want 127.0.0.1 only" % (seen_listen,)
running = [s for s in scrapes if s[2] == "main"]
assert len(running) >= 3, "%d scrapes while the phase ran" % len(running)
final_fams, final, last_phase = scrapes[-1]
assert last_phase == "done", "the last scrape is in phase %s, not done (lingering)" % last_phase

# Counters and histograms only grow, and no series goes away.
grow = ("_total", "_bucket", "_count", "_sum")
for (_, a, _), (_, b, _) in zip(scrapes, scrapes[1:]):
    for key, v in a.items():
        if key[0].endswith(grow):
            assert key in b, "%r went away" % (key,)
            assert b[key] >= v, "%r went down: %r -> %r" % (key, v, b[key])
first_done = running[0][1][("teng_client_connections_completed_total", ())]
last_done = running[-1][1][("teng_client_connections_completed_total", ())]
assert last_done > first_done, "completed did not grow while running: %r -> %r" % (first_done, last_done)

# The port is closed once the linger is over.
t0 = time.time()
while alive() and time.time() - t0 < 20:
    time.sleep(0.1)
assert not alive(), "teng still runs"
try:
    urllib.request.urlopen(url + "/metrics", timeout=2)
    raise AssertionError("still served after teng ended")
except (urllib.error.URLError, ConnectionError):
    pass

r = json.load(open(json_path))
def val(name, **labels):
    return final[(name, tuple(sorted(labels.items())))]
def by_label(name, label):
    return {dict(k[1])[label]: v for k, v in final.items() if k[0] == name}
c, s, t = r["client"], r["server"], r["tcp"]
want = {
    "teng_client_connections_attempted_total": c["attempted"],
    "teng_client_connections_completed_total": c["completed"],
    "teng_client_connections_failed_total": c["failed"],
    "teng_client_requests_total": c["requests"],
    "teng_server_connections_accepted_total": s["accepted"],
    "teng_server_connections_completed_total": s["completed"],
    "teng_server_connections_failed_total": s["failed"],
    "teng_server_requests_total": s["requests"],
    "teng_tcp_retransmits_total": t["retransmits"],
    "teng_tcp_resets_received_total": t["rst_rx"],
    "teng_tcp_resets_sent_total": t["rst_tx"],
    "teng_tcp_timeouts_total": t["timeouts"],
    "teng_client_connect_latency_seconds_count": c["latency_us"]["connect"]["count"],
    "teng_client_transaction_latency_seconds_count": c["latency_us"]["transaction"]["count"],
}
for name, v in want.items():
    assert val(name) == v, "%s: scraped %r, JSON %r" % (name, val(name), v)
assert t["retransmits"] > 0, "no retransmission under 2% loss: the comparison would be empty"
assert c["failed"] > 0 and c["failures"], "no failure (the 50 ms drain aborts some): the comparison would be empty"
assert by_label("teng_client_failures_total", "reason") == c["failures"], (by_label("teng_client_failures_total", "reason"), c["failures"])
assert by_label("teng_server_failures_total", "reason") == s["failures"], (by_label("teng_server_failures_total", "reason"), s["failures"])
assert by_label("teng_bytes_sent_total", "role") == {"client": c["bytes_tx"], "server": s["bytes_tx"]}
assert by_label("teng_bytes_received_total", "role") == {"client": c["bytes_rx"], "server": s["bytes_rx"]}
kinds = by_label("teng_tcp_retransmits_by_kind_total", "kind")
assert kinds == {"syn": t["rtx_syn"], "synack": t["rtx_synack"], "data": t["rtx_data"], "fin": t["rtx_fin"]}, kinds
assert by_label("teng_packets_dropped_total", "reason")["bad_checksum"] == t["drops_bad_checksum"]
for key, name in (("connect", "teng_client_connect_latency_seconds"), ("transaction", "teng_client_transaction_latency_seconds")):
    lat = c["latency_us"][key]
    assert abs(val(name + "_sum") * 1e6 - lat["mean"] * lat["count"]) < 1 + 1e-9 * lat["mean"] * lat["count"], (name, val(name + "_sum"), lat)
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in final.items() if k[0] == name + "_bucket")
    assert buckets[-1] == (float("inf"), lat["count"]), buckets[-1]
    assert [v for _, v in buckets] == sorted(v for _, v in buckets), "buckets not cumulative: %r" % buckets
    # p50 lies where half the count is reached (the buckets round within 1/64).
    half = next(le for le, v in buckets if v >= lat["count"] / 2)
    assert lat["p50"] <= half * 1e6 * 1.02, (key, lat["p50"], half)
for w in r["workers"]:
    for role in ("client", "server"):
        got = val("teng_worker_connections_completed_total", worker=str(w["index"]), role=role)
        assert got == w[role]["completed"], (w["index"], role, got, w[role])
    assert val("teng_worker_packets_received_total", worker=str(w["index"])) == w["pkts_rx"]
assert len(r["workers"]) == 2
for dev in r["port"]["devices"]:
    assert val("teng_port_packets_sent_total", device=dev["name"]) == dev["opackets"], dev
    assert val("teng_port_packets_received_total", device=dev["name"]) == dev["ipackets"], dev
assert val("teng_phase_index") == len(r["phases"])
assert ("teng_cps_asked", ()) in running[-1][1] and running[-1][1][("teng_cps_asked", ())] == 2000
print("ok: %d scrapes (%d while running), completed %d -> %d, final = JSON (%d completed, %d retransmits, failures %r)"
      % (len(scrapes), len(running), first_done, last_done, c["completed"], t["retransmits"], c["failures"]))
PY
  wait "$pid"
  rc=$?
  pid=""
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || { cat "$tmp/out" "$tmp/err"; echo "FAIL: exit code $rc"; exit 1; }
  grep -q "serving the final figures at http://127.0.0.1:$port/metrics for 3 s" "$tmp/err" ||
    { cat "$tmp/err"; echo "FAIL: it did not say that it lingers"; exit 1; }
  ;;
any)
  [ -n "${TENG_METRICS_NETNS:-}" ] || { echo "skip: no network namespace of its own (not root)"; exit 77; }
  timeout -k 5 30 "$teng" scenarios/crr.lua cps=100 duration=2 --quiet --metrics "0.0.0.0:$port" \
    >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  found=""
  for _ in $(seq 1 100); do
    found=$(awk -v p="$(printf '%04X' "$port")" 'NR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == p) print a[1] }' /proc/net/tcp)
    [ -n "$found" ] && break
    sleep 0.1
  done
  wait "$pid"
  rc=$?
  pid=""
  cat "$tmp/err"
  [ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc"; exit 1; }
  [ "$found" = "00000000" ] || { echo "FAIL: listened on '$found', want 00000000 (0.0.0.0)"; exit 1; }
  grep -q "serving on 0.0.0.0:$port, not only on loopback" "$tmp/err" ||
    { echo "FAIL: it did not say that it serves beyond loopback"; exit 1; }
  ;;
busy)
  $py - "$port" "$teng" "$tmp" <<'PY' || exit 1
import socket, subprocess, sys
port, teng, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen(1)
p = subprocess.run(["timeout", "30", teng, "scenarios/crr.lua", "cps=100", "duration=1", "--metrics", str(port),
                    "--json", tmp + "/r.json"], capture_output=True, text=True)
print(p.stdout, p.stderr)
assert p.returncode == 3, "exit code %d, want 3" % p.returncode
want = "teng: --metrics 127.0.0.1:%d: cannot listen on 127.0.0.1:%d: Address already in use (nothing was sent)" % (port, port)
assert want in p.stderr, "want: " + want
assert "DPDK" not in p.stderr and "result" not in p.stdout, "the run started"
PY
  ;;
*)
  echo "unknown case $case"; exit 2 ;;
esac
echo "ok: $case"
