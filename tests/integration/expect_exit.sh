#!/usr/bin/env bash
# Runs a command and checks its exit code and that its output (stdout and
# stderr together) contains a text:   expect_exit.sh CODE TEXT CMD [ARGS...]
set -u
want=$1 text=$2
shift 2
out=$("$@" 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq "$want" ] || { echo "FAIL: exit code $rc, want $want"; exit 1; }
[[ "$out" == *"$text"* ]] || { echo "FAIL: output does not contain: $text"; exit 1; }
if [ "$want" -eq 2 ] && grep -qiwE 'EAL|hugepages?' <<<"$out"; then
  echo "FAIL: DPDK was started for a usage error"; exit 1
fi
echo "ok"
