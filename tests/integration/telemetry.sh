#!/usr/bin/env bash
# DPDK telemetry reads a running teng (issue 10, "Telemetry"):
#   telemetry.sh TENG
# crr.lua runs 4 s at 2000 cps on two workers, and beside it a second teng
# (one worker). Each prints its telemetry socket; a client speaking the
# socket's protocol (SOCK_SEQPACKET, a hello, then one command per
# message) reads both while they run. Each socket is its own process's
# (the hello's pid); "/" lists /teng/stats, /teng/phase and /teng/workers;
# /teng/phase names the running phase with its planned length; /teng/workers
# has one dict per worker; /teng/stats grows between reads, and the last
# read agrees with the final JSON within the traffic after it:
# read <= final <= read + (run time left after the read) x cps + slack.
# dpdk-telemetry.py (Debian's dpdk-dev), where installed, reads the same.
set -u
teng=$1
tmp=$(mktemp -d)
pa="" pb=""
cleanup() {
  for p in $pa $pb; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

timeout -k 5 60 "$teng" scenarios/crr.lua cps=2000 duration=4 --cores 2 --json "$tmp/a.json" \
  >"$tmp/a.out" 2>"$tmp/a.err" &
pa=$!
timeout -k 5 60 "$teng" scenarios/crr.lua cps=200 duration=3 --json "$tmp/b.json" >"$tmp/b.out" 2>"$tmp/b.err" &
pb=$!
python3 - "$tmp" "$pa" <<'PY' || { cat "$tmp"/a.out "$tmp"/a.err "$tmp"/b.out "$tmp"/b.err; exit 1; }
import json, os, re, shutil, socket, subprocess, sys, time
tmp, pa = sys.argv[1], int(sys.argv[2])

def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

def socket_of(name, deadline):
    """The socket path teng printed: 'telemetry: PATH  (dpdk-telemetry.py -f PREFIX)'."""
    while time.time() < deadline:
        m = re.search(r"^telemetry: (\S+)  \(dpdk-telemetry\.py -f (teng(\d+))\)$", open(tmp + "/" + name).read(), re.M)
        if m:
            return m.group(1), m.group(2), int(m.group(3))
        time.sleep(0.05)
    raise AssertionError("%s: no telemetry line" % name)

class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        self.hello = json.loads(self.s.recv(4096).decode())
        self.max = self.hello["max_output_len"]
    def ask(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(self.max).decode())

deadline = time.time() + 20
path_a, prefix_a, pid_a = socket_of("a.out", deadline)
path_b, prefix_b, pid_b = socket_of("b.out", deadline)
assert path_a == "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix_a or os.getuid() != 0, path_a
assert path_a != path_b, "two tengs share a socket"
a, b = Client(path_a), Client(path_b)
assert a.hello["pid"] == pid_a and b.hello["pid"] == pid_b, (a.hello, pid_a, b.hello, pid_b)
cmds = a.ask("/")["/"]
for c in ("/teng/stats", "/teng/phase", "/teng/workers"):
    assert c in cmds, "%s not in %r" % (c, cmds)
assert "teng" in a.ask("/help,/teng/stats")["/help"]["/teng/stats"]
assert b.ask("/teng/stats")["/teng/stats"]["scenario"] == "crr"
# DPDK's own client, non-interactively (stdin not a terminal), where installed.
tool = shutil.which("dpdk-telemetry.py")
if tool and alive(pid_b):
    p = subprocess.run([tool, "-f", prefix_b], input="/teng/phase\n", capture_output=True, text=True, timeout=10)
    if alive(pid_b):
        assert '"/teng/phase"' in p.stdout and '"name": "main"' in p.stdout, p.stdout + p.stderr
        print("ok: dpdk-telemetry.py -f %s read /teng/phase" % prefix_b)

reads = []
while alive(pa):
    try:
        st = a.ask("/teng/stats")["/teng/stats"]
        ph = a.ask("/teng/phase")["/teng/phase"]
        ws = a.ask("/teng/workers")["/teng/workers"]
    except (OSError, ValueError):
        break  # the run ended: EAL closed the socket
    reads.append((st, ph, ws))
    time.sleep(0.2)
# Each command is read on its own: a publish may fall between two reads.
running = [r for r in reads if r[0]["state"] == "running"]
assert len(running) >= 3, "%d reads while running" % len(running)
phases = [r[1] for r in reads if r[1]["state"] == "running"]
assert len(phases) >= 3, "%d /teng/phase reads while running" % len(phases)
for ph in phases:
    assert ph["name"] == "main" and ph["index"] == 0 and ph["phases"] == 1, ph
    assert ph["duration_ms"] == 4000 and ph["cps_asked"] == 2000, ph
    assert 0 <= ph["phase_elapsed_ms"] <= 4000, ph
for ph in (r[1] for r in reads if r[1]["state"] == "draining"):
    assert ph["name"] == "drain" and ph["index"] == 1 and "cps_asked" not in ph, ph
for st, ph, ws in reads:
    assert sorted(ws) == ["0", "1"], "workers %r" % sorted(ws)
    for i, w in ws.items():
        assert w["index"] == int(i) and "cpu" in w and "completed" in w["client"] and w["pkts_rx"] >= 0, w
for x, y in zip(reads, reads[1:]):
    assert y[0]["client"]["completed"] >= x[0]["client"]["completed"], "completed went down"
    assert y[0]["elapsed_ms"] >= x[0]["elapsed_ms"], "elapsed went down"
assert running[-1][0]["client"]["completed"] > running[0][0]["client"]["completed"], "completed did not grow"

# The last read against the final JSON.
for _ in range(200):
    if os.path.getsize(tmp + "/a.json") > 0 and not alive(pa):
        break
    time.sleep(0.1)
r = json.load(open(tmp + "/a.json"))
st = reads[-1][0]
left = max(0.0, r["duration_s"] - st["elapsed_ms"] / 1000.0)
assert left <= 1.3, "the last read was %.2f s before the end: not within the last second" % left
for role, keys in (("client", ("attempted", "completed")), ("server", ("accepted", "completed"))):
    for k in keys:
        read, final = st[role][k], r[role][k]
        bound = read + left * 2000 + 0.05 * 2000 + 20
        assert read <= final <= bound, "%s.%s: read %d, final %d, bound %d" % (role, k, read, final, bound)
assert st["client"]["failed"] <= r["client"]["failed"] and st["tcp"]["retransmits"] <= r["tcp"]["retransmits"]
print("ok: %d reads (%d running); last at %.2f s: completed %d, final %d; workers %s; second teng pid %d read too"
      % (len(reads), len(running), st["elapsed_ms"] / 1000.0, st["client"]["completed"], r["client"]["completed"],
         sorted(reads[-1][2]), pid_b))

PY
for p in $pa $pb; do
  wait "$p"
  rc=$?
  [ "$rc" -eq 0 ] || { cat "$tmp"/*.out "$tmp"/*.err; echo "FAIL: teng (pid $p) exit code $rc"; exit 1; }
done
pa="" pb=""
echo "ok: telemetry"
