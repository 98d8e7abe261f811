#!/usr/bin/env bash
# The live display in a real terminal (tmux): it redraws in place (one
# copy of it on the screen and in the scroll-back at any time, its clock
# moving), shows the phase bar, asked and achieved cps and the active
# connections per role, and is gone when the final report prints.
set -u
teng=$1
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (setup.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
sock=$tmp/tmux.sock
cleanup() { tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- pane:"; cat "$tmp/pane" 2>/dev/null; exit 1; }
# 500 connections a second, each held 2 s: about 1,000 open per role.
tmux -S "$sock" new-session -d -x 100 -y 50 -s t \
  "TERM=xterm $teng scenarios/concurrent.lua conns=2500 cps=500 hold=2 duration=6 --json $tmp/r.json; echo EXIT=\$?; sleep 60"
capture() { tmux -S "$sock" capture-pane -p -S - -t t >"$tmp/pane"; }
# Two looks a second and a half apart, while the run is on: the first
# once the display shows 2 s or more (connections are open by then),
# however long DPDK and the port took to come up.
for _ in $(seq 300); do
  capture
  grep -qE '^phase    open .* ([2-9]|[1-9][0-9])\.[0-9] / 6 s$' "$tmp/pane" && break
  grep -q '^EXIT=' "$tmp/pane" && break
  sleep 0.1
done
cp "$tmp/pane" "$tmp/first"
sleep 1.5
capture
for f in "$tmp/first" "$tmp/pane"; do
  n=$(grep -c '^phase    [^ ]' "$f")
  [ "$n" -eq 1 ] || { cp "$f" "$tmp/pane"; fail "$n copies of the display on the screen, want 1 (redrawn in place)"; }
  grep -qE '^phase    open \(1/1\) +\[#+\.*\] +[0-9.]+ / 6 s$' "$f" || { cp "$f" "$tmp/pane"; fail "no phase bar"; }
  grep -qE '^cps      asked 500  achieved [0-9]+(\.[0-9]+)?$' "$f" || { cp "$f" "$tmp/pane"; fail "no asked/achieved cps"; }
  grep -qE '^active   client [1-9][0-9]* server [1-9][0-9]*   completed [0-9]+$' "$f" \
    || { cp "$f" "$tmp/pane"; fail "no per-role active counts"; }
  grep -qE '^failed   0 this second, 0 in all$' "$f" || { cp "$f" "$tmp/pane"; fail "no failures line"; }
  grep -qE '^traffic  [0-9.]+ Mbit/s   connect p99 ' "$f" || { cp "$f" "$tmp/pane"; fail "no traffic line"; }
done
t1=$(grep -oE '[0-9.]+ / 6 s$' "$tmp/first" | cut -d' ' -f1)
t2=$(grep -oE '[0-9.]+ / 6 s$' "$tmp/pane" | cut -d' ' -f1)
awk -v a="$t1" -v b="$t2" 'BEGIN { exit !(b > a) }' || fail "the clock did not move: $t1 then $t2"
# Per role: each open connection counted once, on its own role.
a=$(grep -oE '^active   client [0-9]+ server [0-9]+' "$tmp/pane" | awk '{ print $3, $5 }')
set -- $a
[ "$1" -le 2500 ] && [ "$2" -le 2500 ] || fail "active client $1 server $2: more than the 2500 connections"
for _ in $(seq 60); do
  capture
  grep -q '^EXIT=' "$tmp/pane" && break
  sleep 0.5
done
grep -q '^EXIT=0$' "$tmp/pane" || fail "teng did not exit 0"
n=$(grep -cE '^(phase    [^ ]|cps      [^ ]|active   [^ ]|traffic  [^ ]|SATURATED)' "$tmp/pane")
[ "$n" -eq 0 ] || fail "$n display lines left above the final report"
grep -qE '^result +PASS' "$tmp/pane" || fail "no final report"
grep -qE '^client +attempted 2500 +completed 2500 +failed 0' "$tmp/pane" || fail "the report's client line"
python3 - "$tmp/r.json" <<'PY' || fail "the JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["client"]["completed"] == 2500, r["client"]
ps = r["per_second"]
assert len(ps) >= 5 and all("latency_us" in s and "mbps" in s for s in ps), ps
assert max(s["client_active"] for s in ps) > 500, ps
PY
echo "ok: the display redrew in place ($t1 s, then $t2 s; active client $1 server $2) and left a clean report"
