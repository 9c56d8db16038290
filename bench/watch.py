#!/usr/bin/python3
"""Watchers the benchmarks run inside a lab namespace (`ip netns exec NS watch.py ...`).

Each prints "ready" once it watches, then the wall-clock time (time.time()) of the event it waits
for, or "timeout". The clock is the machine's, so the harness compares it with its own times.
  listen PORT       a TCP socket listening on PORT in this namespace (/proc/net/tcp, tcp6)
  echo ADDR PORT    the first answer of a UDP echo service, sending a datagram every 20 ms
"""
import argparse
import select
import socket
import sys
import time


def listening(port):
    want = ":%04X" % port
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    w = line.split()
                    if w[1].endswith(want) and w[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def watch_listen(port, timeout):
    print("ready", flush=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if listening(port):
            return time.time()
        time.sleep(0.002)
    return None


def watch_echo(addr, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    print("ready", flush=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            s.sendto(b"pvpn-bench", (addr, port))
        except OSError:
            pass      # no route yet
        ready, _, _ = select.select([s], [], [], 0.02)
        if ready:
            try:
                s.recv(2048)
                return time.time()
            except OSError:
                pass   # ICMP error for an earlier datagram
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["listen", "echo"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    if a.what == "listen":
        t = watch_listen(int(a.args[0]), a.timeout)
    else:
        t = watch_echo(a.args[0], int(a.args[1]), a.timeout)
    print("%.6f" % t if t is not None else "timeout", flush=True)


if __name__ == "__main__":
    sys.exit(main())
