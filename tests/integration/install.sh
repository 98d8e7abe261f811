#!/usr/bin/env bash
# `cmake --install` gives a teng that finds its own Lua library: the
# install is run from a copy, with the source and build trees' Lua
# hidden by pointing the check at the installed scenario.
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "FAIL: install"; exit 1; }
teng="$tmp/prefix/bin/teng"
[ -x "$teng" ] || { echo "FAIL: no $teng"; exit 1; }
out=$(cd "$tmp" && env -u TENG_LUA_PATH "$teng" --version) || { echo "FAIL: --version: $out"; exit 1; }
echo "$out"
echo "$out" | grep -q "lua: $tmp/prefix/bin/../share/teng/lua" || { echo "FAIL: installed teng does not use its installed Lua library"; exit 1; }
(cd "$tmp" && "$teng" --check prefix/share/teng/scenarios/http_like.lua) || { echo "FAIL: --check with the installed teng"; exit 1; }
echo "ok: installed teng runs from its own Lua library"
