#!/usr/bin/python3
"""Loads a teng HTML report in headless Chromium and checks it against the
results JSON it was rendered from:

  html_check.py REPORT.html SCREENSHOT.png RESULTS.json [OTHER.json]

- the page loads with no console message at all (errors or otherwise);
- the browser makes no network request but the file itself;
- each plot holds, for each run, one point per second of that run's
  per_second records (the latencies: one per second that has them);
- the verdict shown (PASS/FAIL and each criterion's ok) matches the JSON.
A screenshot of the whole page is written to SCREENSHOT.png, and one of
the window at the top of the page (1000x1200) next to it (*_top.png).
"""
import json
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

report, shot, results = sys.argv[1], sys.argv[2], sys.argv[3:]
runs = [json.load(open(p)) for p in results]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1000,1200", "--no-first-run", "--disable-extensions",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-default-apps", "--metrics-recording-only", "--no-default-browser-check"]:
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    url = "file://" + os.path.abspath(report)
    driver.get(url)
    check(driver.execute_script("return document.readyState") == "complete", "page did not finish loading")

    # Every request the page made (the performance log, DevTools' Network
    # domain): only the report itself.
    requests = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            requests.append(msg["params"]["request"]["url"])
    print("requests:", requests)
    check(requests == [url], "network requests other than the file: %r" % requests)

    # Elements the page failed to load (an image by URL, a font) or
    # script errors land in the console log.
    logs = driver.get_log("browser")
    print("console:", logs)
    check(logs == [], "console messages: %r" % logs)
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    check(resources == [], "resources fetched: %r" % resources)

    check(driver.find_element(By.CSS_SELECTOR, "h1").get_attribute("data-runs") == str(len(runs)),
          "h1 data-runs is not %d" % len(runs))

    def count(selector):
        return driver.execute_script("return document.querySelectorAll(arguments[0]).length", selector)

    def points(plot, run, key):
        return count('#plot-%s g.series[data-run="%d"][data-key="%s"] circle.pt' % (plot, run, key))

    def drawn_points(plot, run, key):
        return driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(c => [+c.dataset.t, +c.dataset.v])",
            '#plot-%s g.series[data-run="%d"][data-key="%s"] circle.pt' % (plot, run, key))

    for i, r in enumerate(runs):
        ps = r["per_second"]
        n = len(ps)
        secs = r["duration_s"]
        print("run %d (%s): %d per-second records, duration_s %s" % (i, results[i], n, secs))
        check(n > 0, "run %d has no per-second records" % i)
        check(n == round(secs), "run %d: %d per-second records for %s s" % (i, n, secs))
        # The values drawn are the JSON's, second by second.
        drawn = drawn_points("cps", i, "cps")
        check(drawn == [[s["t"], s["cps"]] for s in ps], "run %d: cps points %r" % (i, drawn))
        want_asked = sum(1 for s in ps if isinstance(s.get("cps_asked"), (int, float)))
        check(want_asked > 0 and points("cps", i, "cps_asked") == want_asked,
              "run %d: %d asked-cps points, want %d" % (i, points("cps", i, "cps_asked"), want_asked))
        for key in ["client_active", "server_active"]:
            check(points("active", i, key) == n, "run %d: %d %s points, want %d" % (i, points("active", i, key), key, n))
        if any("failures" in s for s in ps):
            reasons = sorted({k for s in ps for k in s.get("failures", {})})
            keys = ["failures." + k for k in reasons] or ["failures"]
        else:
            keys = ["failed"]
        for key in keys:
            check(points("failures", i, key) == n, "run %d: %d %s points, want %d" % (i, points("failures", i, key), key, n))
            if key.startswith("failures."):
                want = [[s["t"], s["failures"].get(key[9:], 0)] for s in ps]
                check(drawn_points("failures", i, key) == want, "run %d: %s points %r, want %r"
                      % (i, key, drawn_points("failures", i, key), want))
        for which in ["connect", "transaction"]:
            for pct in ["p50", "p90", "p99"]:
                want = sum(1 for s in ps if isinstance(s.get("latency_us", {}).get(which, {}).get(pct), (int, float)))
                got = points(which, i, which + "." + pct)
                check(got == want, "run %d: %d %s %s points, want %d" % (i, got, which, pct, want))
                if any("latency_us" in s for s in ps):
                    check(want > 0, "run %d: per-second %s latency but no %s" % (i, which, pct))
        # The phases shaded: one band per run of seconds in the same phase.
        bands = []
        for s in ps:
            if not bands or bands[-1] != s["phase"]:
                bands.append(s["phase"])
        got = driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(b => b.dataset.phase)",
            '#plot-cps g.band[data-run="%d"]' % i)
        check(got == bands, "run %d: phase bands %r, want %r" % (i, got, bands))

        v = r["verdict"]
        el = driver.find_element(By.ID, "verdict-%d" % i)
        check(el.get_attribute("data-pass") == ("true" if v["pass"] else "false"), "run %d: data-pass %s, JSON %s"
              % (i, el.get_attribute("data-pass"), v["pass"]))
        check(el.text.startswith("PASS" if v["pass"] else "FAIL"), "run %d: verdict text %r" % (i, el.text))
        rows = driver.find_elements(By.CSS_SELECTOR, 'tr.criterion[data-run="%d"]' % i)
        check(len(rows) == len(v["criteria"]), "run %d: %d criteria shown, JSON has %d" % (i, len(rows), len(v["criteria"])))
        for row, c in zip(rows, v["criteria"]):
            cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
            check(row.get_attribute("data-ok") == ("true" if c["ok"] else "false") and
                  cells[5] == ("met" if c["ok"] else "MISSED") and cells[0] == c["label"],
                  "run %d: criterion %s shown as %r, JSON ok=%s" % (i, c["label"], cells, c["ok"]))
    # Legends name the files in a comparison.
    if len(runs) > 1:
        legend = driver.find_element(By.CSS_SELECTOR, 'figure[data-plot="cps"] .legend').text
        for p in results:
            check(os.path.basename(p) in legend, "legend %r does not name %s" % (legend, p))

    # The top of the page as the browser window shows it (the verdict and
    # the first plots), then the whole page.
    top = shot[:-4] + "_top.png"
    driver.save_screenshot(top)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1000, min(height + 40, 8000))
    driver.save_screenshot(shot)
    print("screenshots:", os.path.abspath(shot), os.path.abspath(top))
finally:
    driver.quit()

if failures:
    sys.exit(1)
print("ok: %s" % report)
