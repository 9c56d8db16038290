"""The leak sentinel: tcpdump on the client's bridge port in pvl-inet (ingress only, so it
records exactly what the client sent outside its tunnel, IPv4 and IPv6), and a report.

The report leaves out WireGuard (UDP to a lab server's entry_ip:51820, or to an address in
the API's unreachable range, port 51820) and link housekeeping (ARP, IPv6 neighbour and
router discovery, MLD); with allow_lan, also traffic to the home subnet and link-local or
multicast addresses.
"""
import ipaddress
import json
import os
import struct
import time

import plan as P
from proc import LabError, spawn, stop, wait_until

NAME = "sentinel"


def pcap_path(state):
    return os.path.join(state, "sentinel.pcap")


def start(dirs):
    stop(dirs, [NAME])
    path = pcap_path(dirs.state)
    if os.path.exists(path):
        os.unlink(path)
    spawn(dirs, NAME, P.INET_NS, ["tcpdump", "-i", P.CLIENT_PEER_IF, "-Q", "in", "-n", "-U", "--immediate-mode",
                                  "-s", "262", "-Z", "root", "-w", path])

    def listening():
        with open(dirs.log(NAME), errors="replace") as f:
            text = f.read()
        if "listening on" in text:
            return True
        if "tcpdump:" in text and "listening" not in text and "warning" not in text:
            raise LabError("tcpdump failed:\n" + text)
        return False

    wait_until(listening, 5, "tcpdump to listen on " + P.CLIENT_PEER_IF)


def stop_capture(dirs):
    stop(dirs, [NAME])


def read_pcap(path):
    """Yield (timestamp, ethernet frame) from a pcap file (possibly still being written)."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
            magic = struct.unpack(">I", head[:4])[0]
        else:
            raise LabError("%s is not a pcap file" % path)
        frac = 1e-9 if magic == 0xA1B23C4D else 1e-6
        linktype = struct.unpack(end + "I", head[20:24])[0]
        if linktype != 1:
            raise LabError("%s: link type %d, expected Ethernet" % (path, linktype))
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, sub, caplen, _ = struct.unpack(end + "IIII", rec)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield sec + sub * frac, data


def decode(frame):
    """A dict describing an Ethernet frame's IP packet, or None for non-IP frames."""
    if len(frame) < 14:
        return None
    etype, off = struct.unpack("!H", frame[12:14])[0], 14
    while etype == 0x8100 and len(frame) >= off + 4:
        etype, off = struct.unpack("!H", frame[off + 2:off + 4])[0], off + 4
    pkt = frame[off:]
    if etype == 0x0800 and len(pkt) >= 20:
        ihl = (pkt[0] & 0x0F) * 4
        proto, l4 = pkt[9], pkt[ihl:]
        src, dst = ipaddress.ip_address(pkt[12:16]), ipaddress.ip_address(pkt[16:20])
    elif etype == 0x86DD and len(pkt) >= 40:
        proto, l4 = pkt[6], pkt[40:]
        src, dst = ipaddress.ip_address(pkt[8:24]), ipaddress.ip_address(pkt[24:40])
        while proto in (0, 43, 60) and len(l4) >= 8:      # hop-by-hop, routing, dest opts
            proto, l4 = l4[0], l4[(l4[1] + 1) * 8:]
    else:
        return None
    d = {"src": src, "dst": dst, "proto": proto, "sport": None, "dport": None, "type": None}
    if proto in (6, 17) and len(l4) >= 4:
        d["sport"], d["dport"] = struct.unpack("!HH", l4[:4])
    elif proto in (1, 58) and l4:
        d["type"] = l4[0]
    return d


PROTO = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6"}
ND_TYPES = {130, 131, 132, 133, 134, 135, 136, 137, 143}
LAN_NETS = [ipaddress.ip_network(n) for n in
            (P.HOME_NET4, P.HOME_NET6, "fe80::/10", "ff00::/8", "224.0.0.0/4",
             "255.255.255.255/32")]


def excluded(d, entries, allow_lan, allow):
    if d["proto"] == 17 and d["dport"] == P.WG_PORT and (
            str(d["dst"]) in entries or d["dst"] in ipaddress.ip_network(P.UNREACHABLE4)):
        return True
    if d["proto"] == 58 and d["type"] in ND_TYPES:
        return True
    if allow_lan and any(d["dst"] in n for n in LAN_NETS if n.version == d["dst"].version):
        return True
    return any(d["dst"] in n for n in allow if n.version == d["dst"].version)


def leaks(state, allow_lan=False, allow=(), since=0.0):
    """The packets the client sent outside its tunnel, as (time, decoded dict)."""
    path = pcap_path(state)
    if not os.path.exists(path):
        raise LabError("no capture at %s: run `scripts/lab sentinel start` first" % path)
    with open(os.path.join(state, "lab.json")) as f:
        entries = {s["entry_ip"] for s in json.load(f)["servers"]}
    allow = [ipaddress.ip_network(a, strict=False) for a in allow]
    out = []
    for ts, frame in read_pcap(path):
        d = decode(frame)
        if d and ts >= since and not excluded(d, entries, allow_lan, allow):
            out.append((ts, d))
    return out


def describe(d):
    name = PROTO.get(d["proto"], "proto%d" % d["proto"])
    if d["sport"] is not None:
        return "%s %s -> %s port %d" % (name, d["src"], d["dst"], d["dport"])
    if d["type"] is not None:
        return "%s %s -> %s type %d" % (name, d["src"], d["dst"], d["type"])
    return "%s %s -> %s" % (name, d["src"], d["dst"])


def report(state, allow_lan=False, allow=(), since=0.0, out=print):
    """Print the leaks grouped by flow; return how many packets leaked."""
    found = leaks(state, allow_lan, allow, since)
    flows = {}
    for ts, d in found:
        key = describe(d)
        first, n = flows.get(key, (ts, 0))
        flows[key] = (first, n + 1)
    for key, (first, n) in sorted(flows.items(), key=lambda kv: kv[1][0])[:100]:
        out("LEAK %d packet(s), first at %s (%.3f): %s"
            % (n, time.strftime("%H:%M:%S", time.localtime(first)), first, key))
    if len(flows) > 100:
        out("... and %d more flows" % (len(flows) - 100))
    out("%d packet(s) sent outside the tunnel" % len(found))
    return len(found)
