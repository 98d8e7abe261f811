#!/usr/bin/env python3
"""Checks a --records file against the run's --json (tests/integration/records.sh).

  check.py RECORDS JSON MODE [N]
MODE cap N     exactly N lines (the cap), each sane; records.written == N
     all       every connection has a line: per role (and per template and
               listener) the outcomes and reasons add up to the JSON's totals
     sample N  1 in N of each role's connections, per worker: between
               ceil(total / N) and that plus one per worker beyond the first
"""
import ipaddress
import json
import math
import sys

KEYS = ["role", "src", "dst", "phase", "worker", "conn", "opened_us", "established_us",
        "first_sent_us", "first_received_us", "done_us", "finished_us", "duration_us",
        "outcome", "reason"]
CLIENT_NET = (ipaddress.ip_address("198.18.0.1"), ipaddress.ip_address("198.18.0.4"))
CLIENT_PORTS = (2000, 2999)
LISTENERS = {"198.18.1.1:80": "web", "198.18.1.2:80": "gone", "198.18.1.3:7": "echo",
             "198.18.1.4:7": "mute"}
TEMPLATE_DST = {"ok": "198.18.1.1:80", "notfound": "198.18.1.2:80", "wrong": "198.18.1.3:7",
                "mute": "198.18.1.4:7"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def sane(i, r, run_us):
    for k in KEYS:
        if k not in r:
            fail(f"line {i}: no '{k}': {r}")
    if r["role"] not in ("client", "server"):
        fail(f"line {i}: role {r['role']!r}")
    name_key = "template" if r["role"] == "client" else "listener"
    if not isinstance(r.get(name_key), str):
        fail(f"line {i}: no {name_key}: {r}")
    ip, port = r["src"].rsplit(":", 1)
    if not (CLIENT_NET[0] <= ipaddress.ip_address(ip) <= CLIENT_NET[1]
            and CLIENT_PORTS[0] <= int(port) <= CLIENT_PORTS[1]):
        fail(f"line {i}: src {r['src']} outside the scenario's client range")
    if r["dst"] not in LISTENERS:
        fail(f"line {i}: dst {r['dst']} is no listener")
    if r["role"] == "server" and LISTENERS[r["dst"]] != r["listener"]:
        fail(f"line {i}: listener {r['listener']} for {r['dst']}")
    if r["role"] == "client" and TEMPLATE_DST.get(r["template"]) != r["dst"]:
        fail(f"line {i}: template {r['template']} to {r['dst']}")
    if r["phase"] != "main":
        fail(f"line {i}: phase {r['phase']!r}")
    t0, t1 = r["opened_us"], r["finished_us"]
    if not (isinstance(t0, int) and isinstance(t1, int) and 0 <= t0 <= t1 <= run_us):
        fail(f"line {i}: opened {t0} finished {t1} (run {run_us} us)")
    if r["duration_us"] != t1 - t0 or r["duration_us"] < 0:
        fail(f"line {i}: duration {r['duration_us']} != {t1} - {t0}")
    est = r["established_us"]
    for k in ("first_sent_us", "first_received_us", "done_us"):
        v = r[k]
        if v is not None and not ((est is not None and est <= v <= t1)):
            fail(f"line {i}: {k} {v} not within established {est} .. finished {t1}")
    if est is not None and not t0 <= est <= t1:
        fail(f"line {i}: established {est} outside {t0} .. {t1}")
    if r["outcome"] == "completed":
        if r["reason"] is not None:
            fail(f"line {i}: completed with reason {r['reason']}")
        if r["done_us"] is None:
            fail(f"line {i}: completed, but its program never ended")
    elif r["outcome"] == "failed":
        if not isinstance(r["reason"], str) or r["reason"] in ("", "none"):
            fail(f"line {i}: failed without a reason")
    else:
        fail(f"line {i}: outcome {r['outcome']!r}")


def tally(recs, role, key=None, name=None):
    t = {"completed": 0, "failed": 0, "failures": {}}
    for r in recs:
        if r["role"] != role or (key and r[key] != name):
            continue
        t[r["outcome"]] += 1
        if r["outcome"] == "failed":
            t["failures"][r["reason"]] = t["failures"].get(r["reason"], 0) + 1
    return t


def want(side):
    return {"completed": side["completed"], "failed": side["failed"],
            "failures": dict(side["failures"])}


def main():
    path, jpath, mode = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else None
    res = json.load(open(jpath))
    recs = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            try:
                recs.append(json.loads(line))
            except ValueError as e:
                fail(f"line {i} is not JSON ({e}): {line!r}")
    run_us = int((res["elapsed_s"] if "elapsed_s" in res else res["duration_s"] + 10) * 1e6) + 10**7
    for i, r in enumerate(recs, 1):
        sane(i, r, run_us)
    rec = res.get("records")
    if not rec or rec["written"] != len(recs) or rec["dropped"] != 0:
        fail(f"JSON records {rec}, file has {len(recs)} lines")
    keys = {(r["role"], r["worker"], r["conn"]) for r in recs}
    if len(keys) != len(recs):
        fail("a connection has two lines")
    c, s = res["client"], res["server"]
    total = {"client": c["completed"] + c["failed"], "server": s["completed"] + s["failed"]}
    if mode == "cap":
        if len(recs) != n or rec["cap"] != n:
            fail(f"{len(recs)} lines, cap {rec['cap']}, want {n}")
        if sum(total.values()) < n:
            fail(f"only {sum(total.values())} connections ran, fewer than the cap {n}")
    elif mode == "all":
        for role, side in (("client", c), ("server", s)):
            got, exp = tally(recs, role), want(side)
            if got != exp:
                fail(f"{role}: records {got}, JSON {exp}")
        for t in res["templates"]:
            got, exp = tally(recs, "client", "template", t["name"]), want(t)
            if got != exp:
                fail(f"template {t['name']}: records {got}, JSON {exp}")
        for l in res["listeners"]:
            got, exp = tally(recs, "server", "listener", l["name"]), want(l)
            if got != exp:
                fail(f"listener {l['name']}: records {got}, JSON {exp}")
        reasons = {r["reason"] for r in recs if r["reason"]}
        for k in ("http_status", "mismatch", "peer_closed"):
            if k not in reasons:
                fail(f"no record failed with {k} (reasons: {sorted(reasons)})")
    elif mode == "sample":
        workers = res["cores"]
        for role in ("client", "server"):
            got = sum(1 for r in recs if r["role"] == role)
            lo = math.ceil(total[role] / n)
            hi = math.ceil(total[role] / n) + workers - 1
            if not lo <= got <= hi:
                fail(f"{role}: {got} records of {total[role]} connections, 1 in {n}: want {lo}..{hi}")
        if rec["sample"] != n:
            fail(f"JSON records.sample {rec['sample']}, want {n}")
    else:
        fail("mode " + mode)
    print(f"ok: {mode} {n or ''}: {len(recs)} lines; client {total['client']} server {total['server']}")


main()
