#!/usr/bin/env bash
# The HTML report in a browser (issue 10): real loopback runs, rendered by
# --html and by teng report, loaded in headless Chromium (html_check.py).
#   html.sh TENG ARTIFACT_DIR single|compare
# single   one run (two phases, criteria met): the page --html wrote is the
#          one teng report renders from the --json file; checked in the browser
# compare  two runs (200 cps clean; 400 cps with 1 connection in 11 failing,
#          exit 1) overlaid by teng report a.json b.json; checked in the browser
# older   a results file from before the per-second failures and latencies
#          (tests/integration/html/before_per_second.json): rendered and checked
# The screenshot is kept as ARTIFACT_DIR/report_CASE.png.
set -u
teng=$(realpath "$1") art=$2 case=$3
scn=tests/integration/html/two_phases.lua
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$art"
for f in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$f" ] || { echo "FAIL: $f is missing (setup.sh installs chromium and chromium-driver)"; exit 1; }
done
/usr/bin/python3 -c 'import selenium' || { echo "FAIL: python3-selenium is missing (setup.sh installs it)"; exit 1; }

run() { # run EXPECTED_RC ARGS...
  local want=$1
  shift
  timeout 60 "$teng" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  cat "$tmp/out" "$tmp/err"
  [ "$rc" -eq "$want" ] || { echo "FAIL: teng $* exited $rc, want $want"; exit 1; }
}
browse() { # browse REPORT.html JSON...
  timeout 90 /usr/bin/python3 tests/integration/html_check.py "$1" "$art/report_$case.png" "${@:2}" ||
    { echo "FAIL: the browser check of $1"; exit 1; }
}


case $case in
single)
  a=$tmp/a.json
  run 0 $scn --quiet cps=400 --json "$a" --html "$tmp/run.html"
  run 0 report "$a" -o "$tmp/a.html"
  # One model: the page written at the end of the run is the one rendered
  # from its JSON (both are labelled with the JSON's path).
  cmp "$tmp/run.html" "$tmp/a.html" || { echo "FAIL: --html and teng report differ"; exit 1; }
  browse "$tmp/a.html" "$a"
  ;;
compare)
  a=$tmp/a.json b=$tmp/b.json
  run 0 $scn --quiet cps=200 --json "$a"
  run 1 $scn --quiet cps=400 refused=1 --json "$b"
  # From the files' directory, so that the page names them a.json and b.json.
  (cd "$tmp" && timeout 60 "$teng" report a.json b.json -o cmp.html) || { echo "FAIL: teng report a.json b.json"; exit 1; }
  browse "$tmp/cmp.html" "$a" "$b"
  ;;
older)
  old=tests/integration/html/before_per_second.json
  run 0 report "$old" -o "$tmp/old.html"
  grep -q "no per-second latency in this results file" "$tmp/old.html" || { echo "FAIL: no note on the latency"; exit 1; }
  browse "$tmp/old.html" "$old"
  ;;
*)
  echo "unknown case $case"; exit 2 ;;
esac
echo "ok: $case"
