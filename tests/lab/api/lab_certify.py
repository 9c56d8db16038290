#!/usr/bin/python3
"""Lab self-test helper, run inside the client namespace: certify a fresh Ed25519 key through the API
(SRP login, POST /vpn/v1/certificate) or talk to a server's local agent through the tunnel.

usage: lab_certify.py certify --state DIR --server NAME --out DIR [--pf]
       lab_certify.py agent --state DIR --server NAME --out DIR [--pf]
certify writes OUT/{key.pem,cert.pem,wg.key} and prints JSON (the peer data comes from the server list);
agent prints the local agent's answers to status-get and (with --pf) features-set port-forwarding.
"""
import argparse
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

import certs  # noqa: E402
import la_client  # noqa: E402
import labstate  # noqa: E402
import pgp  # noqa: E402
import proton_client  # noqa: E402
import x25519  # noqa: E402


def certify(args, lab):
    api = lab["api"]
    c = proton_client.ApiClient(api["url"], api["ca_file"])
    with open(api["modulus_key_file"]) as f:
        modulus_key, _ = pgp.load_public_key(f.read())
    c.login(api["user"], api["password"], modulus_key, totp_secret=api.get("totp_secret"))
    key = ed25519.Ed25519PrivateKey.generate()
    pub_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    r = c.certificate(pub_pem, features={"PortForwarding": True} if args.pf else None)
    logical = c.call("GET", "/vpn/v1/logicals/lookup/" + args.server.replace("#", "%23"))["LogicalServer"]
    physical = next(p for p in logical["Servers"] if p["Status"] == 1)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    os.makedirs(args.out, exist_ok=True)
    certs.write_file(os.path.join(args.out, "key.pem"), certs.pem_key(key), 0o600)
    certs.write_file(os.path.join(args.out, "cert.pem"), r["Certificate"])
    wg_priv = x25519.private_from_ed25519_seed(seed)
    certs.write_file(os.path.join(args.out, "wg.key"), base64.b64encode(wg_priv).decode() + "\n", 0o600)
    wg_pub = x25519.public_from_ed25519(key.public_key().public_bytes(serialization.Encoding.Raw,
                                                                      serialization.PublicFormat.Raw))
    return {"wg_public": x25519.b64(wg_pub), "fingerprint": r["ClientKeyFingerprint"],
            "expires": r["ExpirationTime"], "peer": {"public_key": physical["X25519PublicKey"],
                                                     "endpoint": "%s:51820" % physical["EntryIP"],
                                                     "domain": physical["Domain"]}}


def agent(args, lab):
    server = next(s for s in lab["servers"] if s["name"] == args.server)
    with open(os.path.join(args.out, "cert.pem")) as f:
        cert = f.read()
    with open(os.path.join(args.out, "key.pem")) as f:
        key = f.read()
    tunnel = lab.get("tunnel") or {}
    c = la_client.AgentClient(tunnel.get("gateway", "10.2.0.1"), int(tunnel.get("agent_port", 65432)),
                              server["domain"], os.path.join(lab["state_dir"], "pki", "proton-root-ca.pem"),
                              cert, key)
    out = {"status": c.status()}
    if args.pf:
        out["features-set"] = c.features_set(port_forwarding=True)
    c.close()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["certify", "agent"])
    parser.add_argument("--state", default=None)
    parser.add_argument("--server", required=True, help="logical server name, e.g. CH#1")
    parser.add_argument("--out", required=True)
    parser.add_argument("--pf", action="store_true")
    args = parser.parse_args()
    lab = labstate.lab(labstate.state_dir(args.state))
    lab.setdefault("state_dir", labstate.state_dir(args.state))
    print(json.dumps((certify if args.command == "certify" else agent)(args, lab)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
