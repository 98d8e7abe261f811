#!/usr/bin/python3
"""Forged ARP for net_arp_conflict (tests/net/arp_conflict.sh), run in the
peer namespace with the system Python (python3-scapy). Every frame claims
PEER_IP (198.18.0.0/15, the test's own veth) at FOREIGN_MAC and goes out
on IFACE only.

  arp_forge.py IFACE TENG_MAC TENG_IP PEER_IP FOREIGN_MAC ROUNDS GAP OUT.json
      ROUNDS rounds, GAP seconds apart, each: a forged reply to teng
      (unicast), a forged gratuitous reply (broadcast), and a forged
      request for TENG_IP claiming PEER_IP (broadcast).
      OUT: {"sent": frames, "replies": n, "requests": n}
"""
import json
import logging
import socket
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
import scapy.all as s  # noqa: E402


def main(a):
    iface, tmac, tip, pip, fmac, rounds, gap, outf = \
        a[0], a[1], a[2], a[3], a[4], int(a[5]), float(a[6]), a[7]
    bc = "ff:ff:ff:ff:ff:ff"
    frames = [
        ("replies", s.Ether(src=fmac, dst=tmac) /
         s.ARP(op=2, hwsrc=fmac, psrc=pip, hwdst=tmac, pdst=tip)),
        ("replies", s.Ether(src=fmac, dst=bc) /
         s.ARP(op=2, hwsrc=fmac, psrc=pip, hwdst=bc, pdst=pip)),
        ("requests", s.Ether(src=fmac, dst=bc) /
         s.ARP(op=1, hwsrc=fmac, psrc=pip, hwdst="00:00:00:00:00:00", pdst=tip)),
    ]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    out = {"sent": 0, "replies": 0, "requests": 0, "at": []}
    t0 = time.time()
    for r in range(rounds):
        for kind, f in frames:
            sock.send(bytes(f))
            out["sent"] += 1
            out[kind] += 1
        out["at"].append(round(time.time() - t0, 3))
        if r + 1 < rounds:
            time.sleep(gap)
    json.dump(out, open(outf, "w"))


if __name__ == "__main__":
    main(sys.argv[1:])
