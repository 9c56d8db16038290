#!/usr/bin/python3
"""Delay link in pvl-inet: adds round-trip time to what is routed through it (no netem here).

A TUN device (`pvlid0`) whose packets come back out of it after `api.delay_ms` (knobs.json), like
netem on the sender's egress. `scripts/lab slow api MS` routes the API's answers through it (policy
rule `iif pvli-a0 lookup 97`), so every TCP and TLS round trip to the API stand-in grows by MS,
as the servers' UDP relays do for the tunnels. Other traffic can be routed through table 97 too
(bench/ sends the answers of its ping farm there). With no rule pointing at table 97 nothing passes
through this program and it sleeps.
"""
import argparse
import asyncio
import fcntl
import os
import struct
import subprocess
import sys

import knobs

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
MAX_QUEUED = 20000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def delay_s(state):
    try:
        return max(0.0, float(knobs.load(state).get("api", {}).get("delay_ms", 0)) / 1000.0)
    except (AttributeError, TypeError, ValueError):
        return 0.0


class Link:
    def __init__(self, fd, state):
        self.fd, self.state = fd, state
        self.loop = asyncio.get_running_loop()
        self.queued = 0

    def readable(self):
        while True:
            try:
                packet = os.read(self.fd, 65535)
            except BlockingIOError:
                return
            delay = delay_s(self.state)
            if not delay:
                self.send(packet, counted=False)
            elif self.queued < MAX_QUEUED:
                self.queued += 1
                self.loop.call_later(delay, self.send, packet)

    def send(self, packet, counted=True):
        if counted:
            self.queued -= 1
        try:
            os.write(self.fd, packet)
        except OSError:
            pass       # no buffer space: dropped, as a full queue would


async def main(args):
    fd = open_tun(args.ifname)
    subprocess.run(["sysctl", "-q", "-w", "net.ipv4.conf.%s.rp_filter=0" % args.ifname], check=True)
    subprocess.run(["ip", "link", "set", args.ifname, "up"], check=True)
    link = Link(fd, args.state)
    asyncio.get_running_loop().add_reader(fd, link.readable)
    print("delay link %s up" % args.ifname, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--ifname", default="pvlid0")
    try:
        asyncio.run(main(ap.parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)
