#!/usr/bin/env bash
# On a dumb terminal teng prints one live line per second (a terminal that
# can redraw gets the display: tests/integration/display.sh); with --quiet, or
# when stdout is not a terminal, only the final report.
set -u
teng=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TERM=dumb script -qec "$teng scenarios/http_like.lua cps=10000 duration=3" /dev/null >"$tmp/tty" 2>&1
rc=$?
tr '\r' '\n' <"$tmp/tty" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >"$tmp/lines"
cat "$tmp/lines"
[ "$rc" -eq 0 ] || { echo "FAIL: exit code $rc"; exit 1; }
live=$(grep -cE '^\[ *[0-9]+s\] +(ramp|steady) +cps' "$tmp/lines")
[ "$live" -ge 3 ] || { echo "FAIL: $live live lines on a terminal, want >= 3"; exit 1; }
script -qec "$teng scenarios/http_like.lua cps=10000 duration=2 --quiet" /dev/null >"$tmp/quiet" 2>&1
n=$(tr '\r' '\n' <"$tmp/quiet" | grep -cE '^\[ *[0-9]+s\]')
[ "$n" -eq 0 ] || { echo "FAIL: --quiet printed $n live lines"; exit 1; }
"$teng" scenarios/http_like.lua cps=10000 duration=2 >"$tmp/pipe" 2>&1
n=$(grep -cE '^\[ *[0-9]+s\]' "$tmp/pipe")
[ "$n" -eq 0 ] || { echo "FAIL: $n live lines when stdout is not a terminal"; exit 1; }
grep -q '^result' "$tmp/pipe" || { echo "FAIL: no final report"; exit 1; }
echo "ok: $live live lines on a terminal, none otherwise"
