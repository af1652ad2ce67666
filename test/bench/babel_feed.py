#!/usr/bin/python3
"""Synthetic Babel neighbours for test/bench/babel_scale.sh.

One process speaks for K neighbours, one per interface given as IFNAME=ROUTER_LL: each
sends Hellos and IHUs (naming the router under test) every HELLO seconds and a full dump
of N prefixes 2001:db8:<i>::/48 (metric 100 + its index, seqno 1, compressed against
2001:db8::/32) every UPDATE seconds, as babeld would (RFC 8966 §4). Runs until killed.
"""
import select
import socket
import struct
import sys
import time

MCAST = "ff02::1:6"
PORT = 6696


def tlv(t, body):
    return bytes([t, len(body)]) + body


def packet(body):
    return struct.pack("!BBH", 42, 2, len(body)) + body


def hello(seqno, interval_cs):
    return tlv(4, struct.pack("!HHH", 0, seqno, interval_cs))


def ihu(router_ll, interval_cs):
    # AE 3: the last 8 bytes of the link-local address.
    return tlv(5, struct.pack("!BBHH", 3, 0, 96, interval_cs) + router_ll[8:])


def dump_packets(index, count, interval_cs, rid):
    """Full dump: Router-Id, then one Update per prefix, 4 leading bytes omitted."""
    head = tlv(6, b"\0\0" + rid)
    out, body = [], head
    for i in range(count):
        flags = 0x80  # each prefix becomes the default for the next
        prefix = struct.pack("!H", i) + b"\0"  # bytes 5..6 of 2001:db8:i::/48
        omitted = 4 if len(body) > len(head) else 0
        if omitted == 0:
            prefix = bytes.fromhex("20010db8") + prefix
        u = tlv(8, struct.pack("!BBBBHHH", 2, flags, 48, omitted, interval_cs, 1,
                               100 + index) + prefix[:6 - omitted])
        if len(body) + len(u) > 1100:
            out.append(packet(body))
            body = head
            # A new packet has no default prefix: send this one uncompressed.
            prefix = bytes.fromhex("20010db8") + struct.pack("!H", i)
            u = tlv(8, struct.pack("!BBBBHHH", 2, flags, 48, 0, interval_cs, 1,
                                   100 + index) + prefix)
        body += u
    out.append(packet(body))
    return out


SPREAD = 2.0  # seconds over which one full dump of every neighbour goes out


def send(p, pkt):
    while True:
        try:
            p["sock"].sendto(pkt, (MCAST, PORT, 0, p["idx"]))
            return
        except BlockingIOError:
            select.select([], [p["sock"]], [], 0.01)


def main():
    count, hello_s, update_s = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    peers = []
    for k, arg in enumerate(sys.argv[4:]):
        ifname, ll = arg.split("=")
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
        s.bind(("::", PORT))
        idx = socket.if_nametoindex(ifname)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        s.setblocking(False)
        rid = bytes([0xfe, 0xed, 0, 0, 0, 0, k >> 8, k & 0xff])
        peers.append({"sock": s, "idx": idx, "ll": socket.inet_pton(socket.AF_INET6, ll),
                      "seq": 0, "dump": dump_packets(k, count, int(update_s * 100) * 4, rid)})
    next_hello = next_dump = time.monotonic()

    def hellos():
        # Hellos keep their period even while a dump is going out, or the router would
        # see them late, count them missed and drop the neighbours' routes.
        nonlocal next_hello
        now = time.monotonic()
        if now < next_hello:
            return
        for p in peers:
            p["seq"] = (p["seq"] + 1) & 0xFFFF
            body = hello(p["seq"], int(hello_s * 100)) + ihu(p["ll"], int(hello_s * 300))
            send(p, packet(body))
        next_hello += hello_s
        if next_hello < now:
            next_hello = now + hello_s

    while True:
        now = time.monotonic()
        hellos()
        if now >= next_dump:
            # Packet j of every neighbour, then a pause: the dumps are spread over SPREAD
            # seconds (babeld spaces its packets too) rather than overflowing the
            # router's socket buffers in one burst.
            rounds = max(len(p["dump"]) for p in peers)
            for j in range(rounds):
                for p in peers:
                    if j < len(p["dump"]):
                        send(p, p["dump"][j])
                hellos()
                time.sleep(SPREAD / rounds)
            next_dump = now + update_s
        # Drain what the router sends (we do not need it).
        readable, _, _ = select.select([p["sock"] for p in peers], [], [], 0.05)
        for s in readable:
            try:
                while True:
                    s.recv(65536)
            except BlockingIOError:
                pass


if __name__ == "__main__":
    main()
