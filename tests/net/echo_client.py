#!/usr/bin/env python3
"""Line-echo client for net_echo (tests/net/echo.sh): opens CONNS
connections to HOST:PORT, a few at a time; on each sends a random number
of lines (1..MAX_LINES) of random bytes (any byte but "\\n", 0..MAX_LEN of
them, ending in "\\n" or "\\r\\n"), one at a time, and checks that each comes
back byte for byte before it sends the next. Then it closes its side and
expects the server to close too (EOF, nothing more). Prints one JSON object
with its counts; exit 0 when every line came back exact, else 1.
  echo_client.py HOST PORT CONNS [--seed N] [--parallel N]"""
import argparse
import json
import random
import socket
import sys
import threading
import time

p = argparse.ArgumentParser()
p.add_argument("host")
p.add_argument("port", type=int)
p.add_argument("conns", type=int)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--parallel", type=int, default=16)
p.add_argument("--max-lines", type=int, default=20)
p.add_argument("--max-len", type=int, default=1000)
p.add_argument("--timeout", type=float, default=10.0)
a = p.parse_args()

BYTES = bytes(b for b in range(256) if b != 10)
lock = threading.Lock()
stats = {"connections": 0, "completed": 0, "lines": 0, "bytes_tx": 0, "bytes_rx": 0,
         "mismatches": 0, "errors": 0, "seed": a.seed}
first_errors = []


def note_error(what):
    with lock:
        stats["errors"] += 1
        if len(first_errors) < 5:
            first_errors.append(what)


def one(i):
    rnd = random.Random(a.seed * 1000003 + i)
    lines = []
    for _ in range(rnd.randint(1, a.max_lines)):
        body = bytes(rnd.choice(BYTES) for _ in range(rnd.randint(0, a.max_len)))
        lines.append(body + (b"\r\n" if rnd.random() < 0.5 else b"\n"))
    try:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    except OSError as e:
        note_error("conn %d: connect: %s" % (i, e))
        return
    with lock:
        stats["connections"] += 1
    ok = True
    try:
        for k, line in enumerate(lines):
            s.sendall(line)
            got = b""
            while len(got) < len(line):
                chunk = s.recv(len(line) - len(got))
                if not chunk:
                    break
                got += chunk
            with lock:
                stats["lines"] += 1
                stats["bytes_tx"] += len(line)
                stats["bytes_rx"] += len(got)
                if got != line:
                    stats["mismatches"] += 1
                    ok = False
                    if len(first_errors) < 5:
                        first_errors.append("conn %d line %d: sent %r, got %r" % (i, k, line[:40], got[:40]))
            if got != line:
                break
        s.shutdown(socket.SHUT_WR)
        rest = s.recv(4096)
        if rest:
            note_error("conn %d: %d bytes after the last line: %r" % (i, len(rest), rest[:40]))
            ok = False
    except OSError as e:
        note_error("conn %d: %s" % (i, e))
        ok = False
    finally:
        s.close()
    if ok:
        with lock:
            stats["completed"] += 1


def worker(k):
    for i in range(k, a.conns, a.parallel):
        one(i)


start = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(a.parallel)]
for t in threads:
    t.start()
for t in threads:
    t.join()
stats["seconds"] = round(time.time() - start, 2)
stats["first_errors"] = first_errors
print(json.dumps(stats))
sys.exit(0 if stats["completed"] == a.conns and stats["mismatches"] == 0 and stats["errors"] == 0 else 1)
