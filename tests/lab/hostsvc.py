#!/usr/bin/python3
"""A lab host's services: TCP "whoami" and UDP echo, to give leak and reachability tests a target.

TCP: reads the request (or nothing, within 1 s), answers a tiny HTTP/1.0 response whose
body is the peer's address and the host's name, then closes; curl and socat both work.
UDP: answers each datagram with "<peer address> <name>\\n".
"""
import argparse
import asyncio


def hostport(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


async def serve_tcp(reader, writer, name):
    peer = writer.get_extra_info("peername")[0]
    try:
        await asyncio.wait_for(reader.read(4096), 1.0)
    except (asyncio.TimeoutError, ConnectionError):
        pass
    body = ("%s %s\n" % (peer, name)).encode()
    writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n%s" % (len(body), body))
    try:
        await asyncio.wait_for(writer.drain(), 2.0)
    except (asyncio.TimeoutError, ConnectionError):
        pass
    writer.close()


class Udp(asyncio.DatagramProtocol):
    def __init__(self, name):
        self.name = name

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(("%s %s\n" % (addr[0], self.name)).encode(), addr)


async def main(args):
    loop = asyncio.get_running_loop()
    for hp in args.tcp:
        host, port = hostport(hp)
        await asyncio.start_server(lambda r, w: serve_tcp(r, w, args.name), host, port,
                                   reuse_address=True)
    for hp in args.udp:
        await loop.create_datagram_endpoint(lambda: Udp(args.name), local_addr=hostport(hp))
    print("%s serving tcp %s udp %s" % (args.name, args.tcp, args.udp), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--tcp", action="append", default=[], help="ADDR:PORT, [V6]:PORT")
    ap.add_argument("--udp", action="append", default=[], help="ADDR:PORT, [V6]:PORT")
    try:
        asyncio.run(main(ap.parse_args()))
    except KeyboardInterrupt:
        pass
