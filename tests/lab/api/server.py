#!/usr/bin/python3
"""The lab's Proton API stand-in: HTTPS on 198.51.100.10:443 (docs/lab.md, "Proton API stand-in").

usage: server.py --state DIR [--listen HOST:PORT]
"""
import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import api_app  # noqa: E402
import httpd  # noqa: E402
import labstate  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", default=None, help="lab state dir (default $PVPN_LAB_DIR or /run/pvpn-lab)")
    parser.add_argument("--listen", default=None, help="HOST:PORT (default: lab.json api.ip, port 443)")
    args = parser.parse_args(argv)
    state = labstate.state_dir(args.state)
    if args.listen:
        host, _, port = args.listen.rpartition(":")
    else:
        host, port = labstate.lab(state)["api"]["ip"], "443"
    app = api_app.App(state)
    pki = labstate.path(state, "pki")
    ctx = httpd.tls_context(labstate.path(pki, "api.pem"), labstate.path(pki, "api.key"))
    server, thread = httpd.serve(host, int(port), app, ctx)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread.start()
    print("api: listening on https://%s:%s (state %s)" % (host, port, state), file=sys.stderr, flush=True)
    app.servers.refresh({})  # build the 15,000-server list before the first client asks
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
