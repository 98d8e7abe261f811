#!/usr/bin/env python3
"""A TCP server that accepts and stays silent, for net_tcp_keepalive
(tests/net/tcp_keepalive.sh): each connection is read until the peer
closes it (EOF) or resets it, and then closed; nothing is ever sent. One
line per event on stdout, flushed: "ready", "accept ADDR:PORT",
"data ADDR:PORT N" (bytes received so far), "eof ADDR:PORT",
"error ADDR:PORT WHAT".
  silent_server.py HOST PORT"""
import socket
import sys
import threading

lock = threading.Lock()


def say(*words):
    with lock:
        print(*words, flush=True)


def serve(c, who):
    got = 0
    try:
        while True:
            b = c.recv(4096)
            if not b:
                say("eof", who)
                break
            got += len(b)
            say("data", who, got)
    except OSError as e:
        say("error", who, e.__class__.__name__)
    finally:
        c.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
say("ready")
while True:
    c, a = s.accept()
    who = "%s:%d" % a
    say("accept", who)
    threading.Thread(target=serve, args=(c, who), daemon=True).start()
