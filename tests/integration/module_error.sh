#!/usr/bin/env bash
# An error inside a module next to the scenario names the module's file
# and line (issue 6, item 10):
#   module_error.sh TENG tests/scenarios/module_error.lua
# Asserts: exit code 2; stderr's first line starts with
# "tests/scenarios/modules/failing.lua:7: "; nothing on stdout.
set -u
teng=$1 scenario=$2
module="$(dirname "$scenario")/modules/failing.lua"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$teng" "$scenario" >"$tmp/out" 2>"$tmp/err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
[ "$rc" -eq 2 ] || fail "exit code $rc, want 2"
first=$(head -n 1 "$tmp/err")
[[ "$first" == "$module:7: "* ]] || fail "first stderr line does not start with '$module:7: '"
[[ "$first" == *"attempt to index"* ]] || fail "not the module's error"
[ ! -s "$tmp/out" ] || fail "something was printed on stdout"
echo "ok: $first"
