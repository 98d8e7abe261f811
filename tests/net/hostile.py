#!/usr/bin/python3
"""Hostile peer for net_hostile (tests/net/hostile.sh), run in the peer
namespace with the system Python (python3-scapy). Every frame it makes is
addressed inside 198.18.0.0/15 and goes out on the given veth only.

  hostile.py cases IFACE TENG_IP TENG_MAC PEER_IP SPORT DPORT OUT.json
      Sends each malformed or hostile case (COPIES frames each) at
      TENG_IP:DPORT and sniffs IFACE for any frame teng sends back to
      them. OUT: {"sent": {counter: frames}, "replies": n, "cases": [...]}
  hostile.py live TENG_IP PORT SECONDS BODY OUT.json [--forge IFACE TENG_MAC]
      A kernel HTTP client: GETs in a loop for SECONDS (each with its own
      connection); with --forge, first one connection that gets forged
      in-window data with an old ACK (RFC 5961 5.2) before its real
      request. OUT: {"ok", "failed", "bytes_tx", "forged": {...}}
  hostile.py flood IFACE TENG_IP TENG_MAC DPORT COUNT SECONDS OUT.json
      COUNT SYNs from random sources in 198.19.0.0/16, spread over about
      SECONDS, through a raw socket.
  hostile.py server PEER_IP PORT SECONDS IFACE TENG_MAC FORGE OUT.json
      A kernel HTTP server for teng's client: answers each request with
      a 5-byte body; on the first FORGE connections, forged in-window
      response bytes with an old ACK go first.
"""
import json
import os
import random
import socket
import struct
import sys
import threading
import time

COPIES = 3
OLD = 1 << 30  # how far behind the forged ACKs are: far beyond any window


def scapy():
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    import scapy.all as s
    return s


def cases(s, tmac, pmac, tip, pip, sport, dport):
    """(name, counter, frame bytes) for every hostile case; each case has
    its own source port, so that a reply to it can be told."""
    E, IP, TCP, Raw = s.Ether, s.IP, s.TCP, s.Raw
    out = []
    n = [0]

    def add(name, counter, frame):
        out.append((name, counter, bytes(frame)))

    def port():
        n[0] += 1
        return sport + n[0]

    def syn(src=pip, **tcp):
        return IP(src=src, dst=tip) / TCP(sport=port(), dport=dport, seq=1000, **tcp)

    def eth(smac=pmac, dmac=tmac):
        return E(src=smac, dst=dmac)

    # IPv4 header
    b = bytearray(bytes(eth() / syn(flags="S")))
    b[14] = 0x44
    add("IHL 4", "drop_ip_hdr", b)
    add("total length past the frame", "drop_ip_hdr",
        eth() / IP(src=pip, dst=tip, len=60) / TCP(sport=port(), dport=dport, flags="S"))
    add("total length below the header", "drop_ip_hdr",
        eth() / IP(src=pip, dst=tip, len=19) / TCP(sport=port(), dport=dport, flags="S"))
    add("IHL 15 past the packet", "drop_ip_hdr",
        eth() / IP(src=pip, dst=tip, ihl=15) / TCP(sport=port(), dport=dport, flags="S"))
    add("more fragments", "drop_ip_frag",
        eth() / IP(src=pip, dst=tip, flags="MF") / TCP(sport=port(), dport=dport, flags="S"))
    add("fragment offset", "drop_ip_frag",
        eth() / IP(src=pip, dst=tip, frag=100) / TCP(sport=port(), dport=dport, flags="S"))
    add("TTL 0", "drop_ttl0",
        eth() / IP(src=pip, dst=tip, ttl=0) / TCP(sport=port(), dport=dport, flags="S"))
    # sources no host sends from
    for src in ("255.255.255.255", "0.0.0.0", "224.0.0.1", tip, "127.0.0.1", "240.0.0.1"):
        add("SYN from " + src, "drop_src_bcast", eth() / syn(src=src, flags="S"))
    add("SYN from the broadcast MAC", "drop_mac",
        eth(smac="ff:ff:ff:ff:ff:ff") / syn(flags="S"))
    add("SYN from a multicast MAC", "drop_mac",
        eth(smac="01:00:5e:00:00:01") / syn(flags="S"))
    add("SYN to another host's MAC", "drop_mac",
        eth(dmac="02:00:00:00:00:99") / syn(flags="S"))
    # TCP header
    add("data offset 4", "drop_tcp_hdr", eth() / syn(flags="S", dataofs=4))
    add("data offset past the end", "drop_tcp_hdr", eth() / syn(flags="S", dataofs=15))
    # options, written raw after a 24-byte header (scapy cannot write these)
    for name, opt in (("option length 0", b"\x02\x00\x05\xb4"),
                      ("option length 1", b"\x1e\x01\x00\x00"),
                      ("option overrunning", b"\x01\x01\x1e\x06")):
        add(name, "drop_tcp_opt", eth() / syn(flags="S", dataofs=6) / Raw(opt))
    # flags
    add("SYN+FIN", "drop_bad_flags", eth() / syn(flags="SF"))
    add("SYN+RST", "drop_bad_flags", eth() / syn(flags="SR"))
    add("no flags", "drop_bad_flags", eth() / syn(flags=0) / Raw(b"hello"))
    return out


def cmd_cases(a):
    iface, tip, tmac, pip, sport, dport, outf = a[0], a[1], a[2], a[3], int(a[4]), int(a[5]), a[6]
    s = scapy()
    pmac = s.get_if_hwaddr(iface)
    cs = cases(s, tmac, pmac, tip, pip, sport, dport)
    ports = set(range(sport + 1, sport + len(cs) + 1))
    bad_dst = {"255.255.255.255", "0.0.0.0", "224.0.0.1", "127.0.0.1", "240.0.0.1"}
    seen = []

    def reply(p):
        if p.haslayer(s.Ether) and p[s.Ether].src.lower() != tmac.lower():
            return
        if p.haslayer(s.IP) and p[s.IP].dst in bad_dst:
            seen.append(p.summary())
        elif p.haslayer(s.TCP) and p[s.TCP].dport in ports:
            seen.append(p.summary())

    sn = s.AsyncSniffer(iface=iface, prn=reply, store=False)
    sn.start()
    time.sleep(0.5)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    sent = {}
    for name, counter, frame in cs:
        for _ in range(COPIES):
            sock.send(frame)
        sent[counter] = sent.get(counter, 0) + COPIES
        time.sleep(0.01)
    time.sleep(1.5)  # a SYN-ACK would come at once, a retransmission within 1 s
    sn.stop()
    json.dump({"sent": sent, "replies": len(seen), "reply_list": seen[:10],
               "cases": [c[0] for c in cs]}, open(outf, "w"))


def forge_frame(s, tmac, pmac, src, dst, sport, dport, seq, ack, data):
    return bytes(s.Ether(src=pmac, dst=tmac) / s.IP(src=src, dst=dst) /
                 s.TCP(sport=sport, dport=dport, flags="PA", seq=seq % (1 << 32),
                       ack=ack % (1 << 32), window=1000) / s.Raw(data))


def http_get(ip, port, timeout=10.0, sock=None):
    """One GET on its own connection: (ok, request bytes, body)."""
    req = b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % ip.encode()
    sent = 0
    try:
        if sock is None:
            sock = socket.create_connection((ip, port), timeout=timeout)
        sock.settimeout(timeout)
        sock.sendall(req)
        sent = len(req)
        buf = b""
        while True:
            d = sock.recv(65536)
            if not d:
                break
            buf += d
        sock.close()
    except OSError:
        return False, sent, b""
    head, _, body = buf.partition(b"\r\n\r\n")
    ok = head.startswith(b"HTTP/1.1 200")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            ok = ok and int(line.split(b":")[1]) == len(body)
    return ok, len(req), body


def forged_get(ip, port, iface, tmac, body):
    """A connection whose handshake is sniffed; forged data with an old
    ACK goes to teng before the real request. The real response must be
    the answer to the real request."""
    s = scapy()
    pmac = s.get_if_hwaddr(iface)
    lport = 45000 + random.randrange(1000)
    synack = []
    sn = s.AsyncSniffer(iface=iface, store=False,
                        lfilter=lambda p: p.haslayer(s.TCP) and p[s.TCP].dport == lport
                        and (int(p[s.TCP].flags) & 0x12) == 0x12,
                        prn=lambda p: synack.append(p))
    sn.start()
    time.sleep(0.5)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    local = os.environ.get("PEER_IP", "198.18.0.1")
    sock.bind((local, lport))
    sock.settimeout(10)
    sock.connect((ip, port))
    for _ in range(50):
        if synack:
            break
        time.sleep(0.02)
    sn.stop()
    if not synack:
        return {"done": False, "why": "no SYN-ACK seen"}
    t = synack[0][s.TCP]
    iss, irs = t.seq, t.ack - 1
    # Longer than the real request: taken, it would be counted in teng's
    # bytes_rx, and teng's answer would acknowledge bytes the kernel
    # never sent (which the kernel drops: the real GET would fail).
    forged = b"GET /forged HTTP/1.1\r\nHost: x\r\nX-Forged: " + b"f" * 60 + b"\r\n\r\n"
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((iface, 0))
    raw.send(forge_frame(s, tmac, pmac, local, ip, lport, port, irs + 1, iss + 1 - OLD, forged))
    time.sleep(0.3)
    ok, n, got = http_get(ip, port, sock=sock)
    return {"done": True, "ok": ok and len(got) == body, "request_bytes": n,
            "forged_bytes": len(forged)}


def cmd_live(a):
    ip, port, seconds, body, outf = a[0], int(a[1]), float(a[2]), int(a[3]), a[4]
    r = {"ok": 0, "failed": 0, "bytes_tx": 0}
    if len(a) > 5 and a[5] == "--forge":
        f = forged_get(ip, port, a[6], a[7], body)
        r["forged"] = f
        r["bytes_tx"] += f.get("request_bytes", 0)
    end = time.time() + seconds
    while time.time() < end:
        ok, n, got = http_get(ip, port)
        r["bytes_tx"] += n
        if ok and len(got) == body:
            r["ok"] += 1
        else:
            r["failed"] += 1
    json.dump(r, open(outf, "w"))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def cmd_flood(a):
    iface, tip, tmac, dport, count, seconds, outf = a[0], a[1], a[2], int(a[3]), int(a[4]), \
        float(a[5]), a[6]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    pmac = open("/sys/class/net/%s/address" % iface).read().strip()
    eth = mac_bytes(tmac) + mac_bytes(pmac) + b"\x08\x00"
    dst = socket.inet_aton(tip)
    rnd = random.Random(7)
    frames = []
    for _ in range(count):
        src = bytes((198, 19, rnd.randrange(256), rnd.randrange(1, 255)))
        sport, seq = rnd.randrange(1024, 65536), rnd.randrange(1 << 32)
        opt = b"\x02\x04\x05\xb4"
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, 0x02, 64240, 0, 0) + opt
        ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        c = csum(ph + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.randrange(65536), 0x4000,
                         64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frames.append(eth + ip + tcp)
    burst = 50
    pause = seconds / (count / burst)
    t0 = time.time()
    sent = 0
    for i in range(0, count, burst):
        for f in frames[i:i + burst]:
            try:
                sock.send(f)
                sent += 1
            except OSError:
                time.sleep(0.001)
        due = t0 + (i / burst + 1) * pause
        d = due - time.time()
        if d > 0:
            time.sleep(d)
    json.dump({"sent": sent, "seconds": time.time() - t0}, open(outf, "w"))


def cmd_server(a):
    pip, port, seconds, iface, tmac, nforge, outf = a[0], int(a[1]), float(a[2]), a[3], a[4], \
        int(a[5]), a[6]
    s = scapy()
    pmac = s.get_if_hwaddr(iface)
    isn = {}  # teng's port -> (teng ISS, our ISS)
    lock = threading.Lock()

    def syn(p):
        if not p.haslayer(s.TCP):
            return
        t = p[s.TCP]
        fl = int(t.flags)
        with lock:
            if fl & 0x12 == 0x02 and t.dport == port:
                isn[t.sport] = [t.seq, None]
            elif fl & 0x12 == 0x12 and t.sport == port and t.dport in isn:
                isn[t.dport][1] = t.seq

    sn = s.AsyncSniffer(iface=iface, store=False, prn=syn,
                        filter="tcp port %d and tcp[tcpflags] & tcp-syn != 0" % port)
    sn.start()
    time.sleep(0.5)
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((iface, 0))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((pip, port))
    ls.listen(512)
    ls.settimeout(0.5)
    stats = {"conns": 0, "forged": 0, "forge_missed": 0, "bytes_tx": 0}
    real = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
    fake = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    open(outf + ".ready", "w").close()

    def serve(c, peer, forge):
        try:
            c.settimeout(10)
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
            if forge:
                k = None
                for _ in range(50):
                    with lock:
                        k = isn.get(peer[1])
                    if k and k[1] is not None:
                        break
                    time.sleep(0.02)
                if k and k[1] is not None:
                    raw.send(forge_frame(s, tmac, pmac, pip, peer[0], port, peer[1], k[1] + 1,
                                         k[0] + 1 - OLD, fake))
                    stats["forged"] += 1
                    time.sleep(0.2)
                else:
                    stats["forge_missed"] += 1
            c.sendall(real)
            stats["bytes_tx"] += len(real)
            c.shutdown(socket.SHUT_WR)
            while c.recv(4096):
                pass
        except OSError:
            pass
        finally:
            c.close()

    end = time.time() + seconds
    while time.time() < end:
        try:
            c, peer = ls.accept()
        except socket.timeout:
            continue
        stats["conns"] += 1
        threading.Thread(target=serve, args=(c, peer, stats["conns"] <= nforge),
                         daemon=True).start()
    time.sleep(1)
    sn.stop()
    json.dump(stats, open(outf, "w"))


if __name__ == "__main__":
    cmd = {"cases": cmd_cases, "live": cmd_live, "flood": cmd_flood, "server": cmd_server}
    cmd[sys.argv[1]](sys.argv[2:])
