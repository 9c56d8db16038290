#!/usr/bin/python3
"""The local agent of one lab server: TLS on 10.2.0.1:65432, client certificate from the API required.

usage: local_agent.py --state DIR --slug S [--listen HOST:PORT]
"""
import argparse
import datetime
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

import certs  # noqa: E402
import la_protocol as lap  # noqa: E402
import labstate  # noqa: E402
import x25519  # noqa: E402

X509_V_FLAG_NO_CHECK_TIME = 0x200000  # expiry is ours to judge: an expired cert gets hard-jailed/86101


def log(msg):
    print("%s agent: %s" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), msg), file=sys.stderr, flush=True)


class Agent:
    def __init__(self, state, slug):
        self.state, self.slug = state, slug
        self.lock = threading.Lock()
        self.server = next((s for s in labstate.lab(state)["servers"] if s["slug"] == slug), None)
        if self.server is None:
            raise SystemExit("local_agent.py: no server %r in lab.json" % slug)

    def tls_context(self):
        pki = labstate.path(self.state, "pki")
        cert, key = labstate.path(pki, "agent-%s.pem" % self.slug), labstate.path(pki, "agent-%s.key" % self.slug)
        if not os.path.exists(cert):  # pki.py ran before lab.json listed this server: make it now
            import pki as pki_tool
            pki_tool.generate(self.state, servers=[self.server])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        ctx.load_verify_locations(labstate.path(pki, "vpn-cert-ca.pem"))
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.verify_flags = ctx.verify_flags | X509_V_FLAG_NO_CHECK_TIME
        return ctx

    def p2p(self):
        return bool(self.server.get("p2p", int(self.server.get("features", 0)) & 4))

    def device_ip(self):
        """The client's public address: in the lab, its underlay address (no NAT before the servers)."""
        return (labstate.lab(self.state).get("client") or {}).get("ipv4")

    def serve(self, conn, addr):
        cert = x509.load_der_x509_certificate(conn.getpeercert(binary_form=True))
        raw = cert.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        wg_key = x25519.b64(x25519.public_from_ed25519(raw))
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        expired = not (cert.not_valid_before <= now <= cert.not_valid_after)
        features = dict(lap.DEFAULT_FEATURES)
        from_cert = certs.read_proton_extensions(cert)
        for name in lap.DEFAULT_FEATURES:
            if name in from_cert:
                features[name] = type(lap.DEFAULT_FEATURES[name])(from_cert[name])
        conn_state = {"features": features, "reason": None, "expired": expired, "wg_key": wg_key,
                      "cert_expires": int(cert.not_valid_after.replace(tzinfo=datetime.timezone.utc).timestamp())}
        self._apply({}, conn_state, write=False)
        log("client %s key %s connected%s" % (addr[0], wg_key, " (certificate expired)" if expired else ""))
        while True:
            try:
                data = lap.read_message(conn)
            except lap.FramingError as exc:
                conn.sendall(lap.frame(lap.error(lap.ERR_SYNTAX, str(exc))))
                return
            if data is None:
                return
            conn.sendall(lap.frame(self.handle(data, conn_state)))

    def handle(self, data, conn_state):
        try:
            msg = json.loads(data)
        except ValueError:
            return lap.error(lap.ERR_SYNTAX, "message is not JSON")
        if not isinstance(msg, dict) or not msg:
            return lap.error(lap.ERR_SYNTAX, "message must be an object with one request")
        if "features-set" in msg:
            wanted, problem = lap.validate_features(msg["features-set"])
            if problem:
                return lap.error(lap.ERR_SYNTAX, problem)
            if not conn_state["expired"]:
                self._apply(wanted, conn_state, write=True)
            log("features-set %s -> pf=%s" % (json.dumps(wanted, sort_keys=True),
                                              conn_state["features"]["port-forwarding"]))
            return self.status(conn_state, False)
        if "status-get" in msg:
            req = msg["status-get"] if isinstance(msg["status-get"], dict) else {}
            return self.status(conn_state, bool(req.get("features-statistics")))
        return lap.error(lap.ERR_SYNTAX, "unknown request %s" % ",".join(sorted(msg)))

    def _apply(self, wanted, conn_state, write):
        features = conn_state["features"]
        features.update(wanted)
        conn_state["reason"] = None
        if features["port-forwarding"] and not self.p2p():
            features["port-forwarding"] = False
            conn_state["reason"] = lap.reason(86153)
        if write:
            with self.lock:
                labstate.write_json(labstate.path(self.state, "grants", "agent-%s.json" % self.slug),
                                    {"pf": features["port-forwarding"], "features": features,
                                     "x25519": conn_state["wg_key"], "cert_expires": conn_state["cert_expires"],
                                     "time": int(time.time())})

    def status(self, conn_state, with_stats):
        knob = labstate.server_knobs(labstate.knobs(self.state), self.slug)
        if conn_state["expired"]:
            st = {"state": "hard-jailed", "reason": lap.reason(86101)}
        elif knob.get("agent_reason"):  # the test wants this reason code (and state) in every status
            st = {"state": knob.get("agent_state", "connected"), "reason": lap.reason(int(knob["agent_reason"]))}
        else:
            st = {"state": "connected"}
            if conn_state["reason"]:
                st["reason"] = conn_state["reason"]
        st["features"] = dict(conn_state["features"])
        details = {"device-ip": self.device_ip(), "device-country": labstate.HOME_COUNTRY,
                   "server-ipv4": self.server.get("exit_ip") or self.server.get("entry_ip")}
        if self.server.get("exit_ipv6"):
            details["server-ipv6"] = self.server["exit_ipv6"]
        st["connection-details"] = details
        if with_stats:
            st["features-statistics"] = {"netshield-level": {"DNSBL/1b": 0, "DNSBL/2a": 0, "DNSBL/2b": 0}}
        return {"status": st}


def handle_connection(agent, ctx, sock, addr):
    try:
        sock.settimeout(10)
        conn = ctx.wrap_socket(sock, server_side=True)
        conn.settimeout(600)
    except (OSError, ssl.SSLError) as exc:
        log("TLS handshake with %s failed: %s" % (addr[0], exc))
        sock.close()
        return
    try:
        agent.serve(conn, addr)
    except (OSError, ssl.SSLError) as exc:
        log("connection from %s ended: %s" % (addr[0], exc))
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", default=None)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--listen", default="10.2.0.1:65432")
    args = parser.parse_args(argv)
    agent = Agent(labstate.state_dir(args.state), args.slug)
    ctx = agent.tls_context()
    host, _, port = args.listen.rpartition(":")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_IP, getattr(socket, "IP_FREEBIND", 15), 1)  # 10.2.0.1 may come up later
    listener.bind((host, int(port)))
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    log("server %s listening on %s:%s" % (args.slug, host, port))
    while True:
        sock, addr = listener.accept()
        threading.Thread(target=handle_connection, args=(agent, ctx, sock, addr), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
