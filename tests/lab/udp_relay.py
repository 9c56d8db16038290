#!/usr/bin/python3
"""UDP delay relay in front of a lab server's wireguard-go (this kernel has no netem).

Listens on the entry IP:51820 and relays each client's datagrams to wireguard-go's own port
on 127.0.0.1 through a socket per client, and the answers back. The server's knobs
(`servers.<slug>.delay_ms`, `loss_pct`, `down`) act like netem on the server's egress:
answers are delayed by delay_ms (so the RTT grows by delay_ms) and dropped with probability
loss_pct %; `down` drops everything in both directions.
"""
import argparse
import asyncio
import random
import sys
import time

import knobs

IDLE_S = 180          # forget a client after this long without traffic
MAX_CLIENTS = 512


def hostport(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


class Relay:
    def __init__(self, state, slug, upstream):
        self.state, self.slug, self.upstream = state, slug, upstream
        self.front = None
        self.clients = {}      # client addr -> [transport, last_seen]

    def knob(self):
        k = knobs.server(self.state, self.slug)
        try:
            delay = max(0.0, float(k.get("delay_ms", 0)) / 1000.0)
            loss = min(100.0, max(0.0, float(k.get("loss_pct", 0))))
        except (TypeError, ValueError):
            delay, loss = 0.0, 0.0
        return bool(k.get("down")), delay, loss

    async def from_client(self, data, addr):
        down, _, _ = self.knob()
        if down:
            return
        entry = self.clients.get(addr)
        if entry is None:
            if len(self.clients) >= MAX_CLIENTS:
                self.expire(force=True)
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: Back(self, addr), remote_addr=self.upstream)
            entry = self.clients.setdefault(addr, [transport, 0.0])
            if entry[0] is not transport:
                transport.close()
        entry[1] = time.monotonic()
        entry[0].sendto(data)

    def to_client(self, data, addr):
        down, delay, loss = self.knob()
        if down or (loss and random.uniform(0, 100) < loss):
            return
        if delay:
            asyncio.get_running_loop().call_later(delay, self.front.sendto, data, addr)
        else:
            self.front.sendto(data, addr)

    def expire(self, force=False):
        now = time.monotonic()
        for addr, (tr, seen) in list(self.clients.items()):
            if force or now - seen > IDLE_S:
                tr.close()
                del self.clients[addr]


class Front(asyncio.DatagramProtocol):
    def __init__(self, relay):
        self.relay = relay

    def datagram_received(self, data, addr):
        asyncio.ensure_future(self.relay.from_client(data, addr))

    def error_received(self, exc):
        pass


class Back(asyncio.DatagramProtocol):
    def __init__(self, relay, client):
        self.relay, self.client = relay, client

    def datagram_received(self, data, addr):
        self.relay.to_client(data, self.client)

    def error_received(self, exc):
        pass      # wireguard-go stopped (ECONNREFUSED): stay silent like a dead server


async def main(args):
    relay = Relay(args.state, args.slug, hostport(args.to))
    loop = asyncio.get_running_loop()
    relay.front, _ = await loop.create_datagram_endpoint(
        lambda: Front(relay), local_addr=hostport(args.listen))
    print("relay %s listening on %s -> %s" % (args.slug, args.listen, args.to), flush=True)
    while True:
        await asyncio.sleep(30)
        relay.expire()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", required=True)
    ap.add_argument("--slug", required=True)
    ap.add_argument("--listen", required=True, help="ENTRY_IP:51820")
    ap.add_argument("--to", required=True, help="127.0.0.1:51821 (wireguard-go)")
    try:
        asyncio.run(main(ap.parse_args()))
    except KeyboardInterrupt:
        sys.exit(0)
