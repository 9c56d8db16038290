#!/usr/bin/python3
"""The lab's NAT-PMP gateway (RFC 6886 wire format), behaving as Proton's P2P servers do.

Runs in a server's namespace on UDP 10.2.0.1:5351. Opcode 0 answers the server's exit IP.
Opcodes 1 (UDP) and 2 (TCP) map a public port that the server chooses: the same for every
request on this server (knob `servers.<slug>.natpmp_port` overrides it), lifetime 60 s
(knob `natpmp_lifetime`), internal = external when the request's internal port is 0;
lifetime 0 deletes. Each live mapping is a DNAT rule exit_ip:port -> client:internal in the
nft table `ip pvl_natpmp`, so the forwarded port is really reachable from outside.
A mapping is granted only to the WireGuard peer that owns the requester's tunnel address
when, per knob `pf_grant_mode` (either|cert|agent, default either), STATE/grants/cert.json
says pf for that peer's key (and is not expired) or STATE/grants/agent-<slug>.json says pf
(for that key, when the file names one in "x25519");
otherwise the answer is result 2 (not authorized). Test knobs: `natpmp_result` (force a
result code on mappings), `natpmp_drop` (answer nothing). Every request is logged, one line.
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

import knobs
import plan

LISTEN = ("10.2.0.1", 5351)
DEFAULT_LIFETIME = 60
NFT_TABLE = "pvl_natpmp"


def log(text):
    t = time.time()
    print("%s.%03d %s" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)),
                          int(t * 1000) % 1000, text), flush=True)


def read_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


class Gateway:
    def __init__(self, state, server):
        self.state, self.server = state, server
        self.slug = server["slug"]
        self.started = time.monotonic()
        self.maps = {}          # (proto, client_ip, internal) -> (port, expires_monotonic)
        self.installed = None   # the DNAT rule set last written to nft

    def epoch(self):
        return int(time.monotonic() - self.started) & 0xFFFFFFFF

    def knob(self, key, default=None):
        return knobs.server(self.state, self.slug).get(key, default)

    def public_port(self):
        try:
            port = int(self.knob("natpmp_port", 0))
        except (TypeError, ValueError):
            port = 0
        return port if 1 <= port <= 65535 else plan.natpmp_default_port(self.server["index"])

    def peer_for(self, ip):
        """The WireGuard peer (pubkey) whose allowed-ips hold ip, or None."""
        try:
            out = subprocess.run(["wg", "show", self.server["wg_if"], "allowed-ips"],
                                 capture_output=True, text=True, timeout=3)
        except (OSError, subprocess.TimeoutExpired) as e:
            log("wg show failed: %s" % e)
            return None
        if out.returncode != 0:
            log("wg show failed: %s" % out.stderr.strip())
            return None
        addr = ipaddress.ip_address(ip)
        for line in out.stdout.splitlines():
            key, _, nets = line.partition("\t")
            for net in nets.split():
                try:
                    if addr in ipaddress.ip_network(net, strict=False):
                        return key
                except ValueError:
                    continue
        return None

    def grant(self, client_ip):
        """(granted, explanation) for the peer behind client_ip."""
        mode = knobs.load(self.state).get("pf_grant_mode", "either")
        peer = self.peer_for(client_ip)
        grants = os.path.join(self.state, "grants")
        cert_ok = agent_ok = False
        if peer:
            rec = read_json(os.path.join(grants, "cert.json"), {}).get(peer)
            if isinstance(rec, dict) and rec.get("pf"):
                cert_ok = float(rec.get("expires", 0) or 0) > time.time()
            agent = read_json(os.path.join(grants, "agent-%s.json" % self.slug), {})
            # The agent's grant is for its client's key when it names one.
            agent_ok = (isinstance(agent, dict) and bool(agent.get("pf"))
                        and agent.get("x25519", peer) == peer)
        ok = {"cert": cert_ok, "agent": agent_ok}.get(mode, cert_ok or agent_ok)
        return ok, "peer=%s mode=%s cert=%s agent=%s" % (peer, mode, cert_ok, agent_ok)

    def handle(self, data, src):
        """The reply to one request, or None to stay silent."""
        if len(data) < 2:
            return None
        version, op = data[0], data[1]
        if version != 0:
            log("src=%s:%d version=%d -> result=1" % (src[0], src[1], version))
            return struct.pack("!BBHI", 0, (op | 128) & 0xFF, 1, self.epoch())
        if op == 0:
            log("src=%s:%d op=0 -> result=0 ip=%s" % (src[0], src[1], self.server["exit_ip"]))
            return struct.pack("!BBHI4s", 0, 128, 0, self.epoch(),
                               socket.inet_aton(self.server["exit_ip"]))
        if op not in (1, 2):
            log("src=%s:%d op=%d -> result=5" % (src[0], src[1], op))
            return struct.pack("!BBHI", 0, (op | 128) & 0xFF, 5, self.epoch())
        if len(data) < 12:
            return None
        internal, external, lifetime = struct.unpack("!HHI", data[4:12])
        proto = "udp" if op == 1 else "tcp"
        what = "src=%s:%d op=%d(%s) internal=%d external=%d lifetime=%d" % (
            src[0], src[1], op, proto, internal, external, lifetime)
        ok, why = self.grant(src[0])
        forced = self.knob("natpmp_result")
        if forced:
            result, r_int, r_ext, r_life = int(forced), internal, 0, 0
        elif not ok:
            result, r_int, r_ext, r_life = 2, internal, 0, 0
        elif lifetime == 0:
            self.delete(proto, src[0], internal)
            result, r_int, r_ext, r_life = 0, internal, 0, 0
        else:
            port = self.public_port()
            r_int = internal or port
            try:
                r_life = int(self.knob("natpmp_lifetime", DEFAULT_LIFETIME))
            except (TypeError, ValueError):
                r_life = DEFAULT_LIFETIME
            self.maps[(proto, src[0], r_int)] = (port, time.monotonic() + r_life)
            result, r_ext = 0, port
        self.sync_nft()
        log("%s -> result=%d internal=%d external=%d lifetime=%d %s"
            % (what, result, r_int, r_ext, r_life, why))
        return struct.pack("!BBHIHHI", 0, op + 128, result, self.epoch(), r_int, r_ext, r_life)

    def delete(self, proto, ip, internal):
        for key in list(self.maps):
            if key[0] == proto and key[1] == ip and internal in (0, key[2]):
                del self.maps[key]

    def expire(self):
        now = time.monotonic()
        gone = [k for k, (_, exp) in self.maps.items() if exp <= now]
        for k in gone:
            del self.maps[k]
            log("expired %s %s:%d" % k)
        if gone:
            self.sync_nft()

    def sync_nft(self):
        rules = sorted("ip daddr %s %s dport %d dnat to %s:%d"
                       % (self.server["exit_ip"], proto, port, ip, internal)
                       for (proto, ip, internal), (port, _) in self.maps.items())
        if rules == self.installed:
            return
        text = ("table ip %s {}\nflush table ip %s\ntable ip %s {\n"
                " chain pre { type nat hook prerouting priority -100; policy accept;\n%s }\n}\n"
                % (NFT_TABLE, NFT_TABLE, NFT_TABLE, "".join("  %s\n" % r for r in rules)))
        try:
            out = subprocess.run(["nft", "-f", "-"], input=text, capture_output=True,
                                 text=True, timeout=5)
            if out.returncode != 0:
                log("nft failed: %s" % out.stderr.strip())
                return
        except (OSError, subprocess.TimeoutExpired) as e:
            log("nft failed: %s" % e)
            return
        self.installed = rules


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--slug", required=True)
    args = ap.parse_args()
    lab = read_json(os.path.join(args.state, "lab.json"), {})
    server = next((s for s in lab.get("servers", []) if s.get("slug") == args.slug), None)
    if server is None:
        sys.exit("natpmp_gw: no server %r in %s/lab.json" % (args.slug, args.state))
    gw = Gateway(args.state, server)
    gw.sync_nft()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(LISTEN)
    log("natpmp gateway %s on %s:%d, exit ip %s, default port %d"
        % (args.slug, LISTEN[0], LISTEN[1], server["exit_ip"], gw.public_port()))
    while True:
        ready, _, _ = select.select([sock], [], [], 1.0)
        if ready:
            data, src = sock.recvfrom(1500)
            if gw.knob("natpmp_drop"):
                log("src=%s:%d dropped (natpmp_drop)" % src)
                continue
            reply = gw.handle(data, src)
            if reply:
                sock.sendto(reply, src)
        gw.expire()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
