#!/usr/bin/env bash
# Runs teng on a broken scenario and checks that it is refused properly:
#   expect_error.sh TENG tests/scenarios/bad_X.lua
# The scenario marks the line the error must name with "-- expect: TEXT"
# (TEXT must appear in the message) and may give key=value arguments on a
# "-- args: k=v ..." line. Asserts: exit code 2; stderr's first line is
# "FILE:LINE: ...TEXT..."; nothing on stdout; DPDK never started (no EAL or
# hugepage output, as whole words); no JSON file written.
set -u
teng=$1 scenario=$2

fail() { echo "FAIL: $scenario: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }

marker=$(grep -n -- '-- expect: ' "$scenario" | head -n 1)
[ -n "$marker" ] || { echo "FAIL: $scenario has no '-- expect: ' line"; exit 1; }
line=${marker%%:*}
text=${marker#*-- expect: }
args=$(sed -n 's/^-- args: //p' "$scenario")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # args is a list of key=value words
"$teng" "$scenario" $args --json "$tmp/out.json" >"$tmp/out" 2>"$tmp/err"
rc=$?

[ "$rc" -eq 2 ] || fail "exit code $rc, want 2"
first=$(head -n 1 "$tmp/err")
[[ "$first" == "$scenario:$line: "* ]] || fail "first stderr line does not start with '$scenario:$line: '"
[[ "$first" == *"$text"* ]] || fail "message does not contain: $text"
[ ! -s "$tmp/out" ] || fail "something was printed on stdout"
if grep -qiwE 'EAL|hugepages?|DPDK' "$tmp/out" "$tmp/err"; then fail "DPDK was started"; fi
[ ! -e "$tmp/out.json" ] || fail "a JSON file was written"
echo "ok: $first"
