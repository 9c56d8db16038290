#!/usr/bin/python3
"""ICMP echo responder with a delay, for a lab server (kernel echo is off in its namespace).

Answers every echo request delivered to the namespace. Requests to the entry or exit IP
get the server's knobs like the delay relay: `delay_ms` added, `loss_pct` % dropped,
nothing at all when `down`. Requests to other local addresses (10.2.0.1 in the tunnel)
are answered at once, because tunnel traffic is already delayed by the relay.
"""
import argparse
import heapq
import random
import select
import socket
import struct
import time

import knobs


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def echo_reply(packet):
    """(reply IP packet, destination, request's destination) for an echo request, else None."""
    if len(packet) < 28 or packet[0] >> 4 != 4:
        return None
    ihl = (packet[0] & 0x0F) * 4
    icmp = packet[ihl:]
    if len(icmp) < 8 or icmp[0] != 8 or icmp[1] != 0:
        return None
    src, dst = packet[12:16], packet[16:20]
    zeroed = b"\0\0\0\0" + icmp[4:]          # type 0 (echo reply), code 0, checksum 0
    body = b"\0\0" + struct.pack("!H", checksum(zeroed)) + icmp[4:]
    total = 20 + len(body)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, socket.IPPROTO_ICMP, 0,
                     dst, src)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + body, socket.inet_ntoa(src), socket.inet_ntoa(dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--slug", required=True)
    ap.add_argument("--public", action="append", default=[],
                    help="an address whose echoes get the delay/loss knobs (repeatable)")
    args = ap.parse_args()
    public = set(args.public)
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    tx.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    print("icmp responder %s ready (public %s)" % (args.slug, ", ".join(sorted(public))),
          flush=True)
    queue = []     # (due, seq, packet, dst)
    seq = 0
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 5.0
        ready, _, _ = select.select([rx], [], [], timeout)
        if ready:
            rep = echo_reply(rx.recv(65535))
            if rep:
                packet, dst, asked = rep
                delay = 0.0
                if asked in public:
                    k = knobs.server(args.state, args.slug)
                    try:
                        delay = max(0.0, float(k.get("delay_ms", 0)) / 1000.0)
                        loss = float(k.get("loss_pct", 0))
                    except (TypeError, ValueError):
                        loss = 0.0
                    if k.get("down") or (loss and random.uniform(0, 100) < loss):
                        continue
                if len(queue) > 10000:
                    continue
                seq += 1
                heapq.heappush(queue, (time.monotonic() + delay, seq, packet, dst))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, packet, dst = heapq.heappop(queue)
            try:
                tx.sendto(packet, (dst, 0))
            except OSError as e:
                print("send to %s failed: %s" % (dst, e), flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
