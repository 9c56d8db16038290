#!/usr/bin/python3
"""Ask one DNS server one question over UDP and print the answers (the lab has no dig).

usage: dnsq.py NAME --server IP [--type A|AAAA] [--timeout S]
Prints one address per line; exit 0 with answers, 1 on NXDOMAIN/no answer/REFUSED, 2 on timeout.
"""
import argparse
import os
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28}


def query(name, server, qtype="A", timeout=2.0):
    """(rcode, [addresses]) from server; raises socket.timeout."""
    qid = struct.unpack("!H", os.urandom(2))[0]
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", TYPES[qtype], 1)
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, (server, 53))
        while True:
            data, _ = s.recvfrom(4096)
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                break
    _, flags, qd, an, _, _ = struct.unpack("!HHHHHH", data[:12])
    off = 12
    for _ in range(qd):
        off = _skip_name(data, off) + 4
    out = []
    for _ in range(an):
        off = _skip_name(data, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", data[off:off + 10])
        rdata = data[off + 10:off + 10 + rdlen]
        off += 10 + rdlen
        if rtype == 1 and rdlen == 4:
            out.append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28 and rdlen == 16:
            out.append(socket.inet_ntop(socket.AF_INET6, rdata))
    return flags & 0x0F, out


def _skip_name(data, off):
    while True:
        n = data[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += n + 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--server", required=True)
    ap.add_argument("--type", default="A", choices=sorted(TYPES))
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    try:
        rcode, addrs = query(a.name, a.server, a.type, a.timeout)
    except socket.timeout:
        print("timeout", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print("error: %s" % e, file=sys.stderr)
        sys.exit(2)
    for addr in addrs:
        print(addr)
    if not addrs:
        print("rcode %d, no answer" % rcode, file=sys.stderr)
    sys.exit(0 if addrs else 1)
