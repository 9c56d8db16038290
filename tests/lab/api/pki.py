#!/usr/bin/python3
"""Generates the lab PKI under <state>/pki (docs/lab-contract.md). Existing files are kept unless --force.

usage: pki.py generate --state DIR [--force]
"""
import argparse
import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cryptography.hazmat.primitives import serialization  # noqa: E402

import certs  # noqa: E402
import labstate  # noqa: E402
import pgp  # noqa: E402

# 2048-bit SRP modulus from the official test vector (srp-test-vector.json ModulusHex = little-endian bytes).
LAB_MODULUS_HEX = (
    "1B64DF29DEDD8656245DB7EEE751442AD9CF1DAFC5A71A94076385C2FBF9FA7AD63E94CB365EC94EBA5BE131CF63D3930CAC4755DE6D"
    "0625C24DD9A906551D216601222EBA94FF50C78B8B26DBF27636F4019F1700BA091287462CFFAD4F88B22D66BBF8993090865E46D077EC"
    "F1DB78CB2AB0D036AD786B046B5D93BD473C95779914CB93F607FD7EFB9D34161951263CE794BF181FB301EE444D170999EAFF9427CC41"
    "51BD91A755F1A184009C1418B16EEC7BFC2D5F88D42B38A4CC176B73EAB132FE37DD7E1162DCA1D13E81A6F10F090DE77EB8CC492CD0B1"
    "9BB6FC151F5B4AD56B14308D582D86471390C4223400AEE3D5E94C973FB997D59F8A9F309F")
MODULUS_KEY_UID = "pvpn lab SRP modulus <proton@srp.modulus.lab.test>"


class Pki:
    def __init__(self, state, force=False):
        self.dir = labstate.path(state, "pki")
        self.force = force
        os.makedirs(self.dir, exist_ok=True)

    def p(self, name):
        return os.path.join(self.dir, name)

    def missing(self, *names):
        return self.force or not all(os.path.exists(self.p(n)) for n in names)

    def ca(self, stem, cn, unit=None):
        if self.missing(stem + ".pem", stem + ".key"):
            key = certs.new_ec_key()
            certs.write_file(self.p(stem + ".key"), certs.pem_key(key), 0o600)
            certs.write_file(self.p(stem + ".pem"), certs.pem_cert(certs.make_ca(cn, key, unit=unit)))
        return certs.load_cert(self.p(stem + ".pem")), certs.load_key(self.p(stem + ".key"))

    def leaf(self, stem, ca, cn, dns=(), ips=()):
        if self.missing(stem + ".pem", stem + ".key"):
            key = certs.new_ec_key()
            cert = certs.make_leaf(ca[0], ca[1], cn, key.public_key(), dns=dns, ips=ips)
            certs.write_file(self.p(stem + ".key"), certs.pem_key(key), 0o600)
            certs.write_file(self.p(stem + ".pem"), certs.pem_cert(cert) + certs.pem_cert(ca[0]))

    def modulus(self):
        if self.missing("srp-modulus-key.secret"):
            secret = pgp.SecretKey.generate()
            certs.write_file(self.p("srp-modulus-key.secret"), secret.export_secret(MODULUS_KEY_UID), 0o600)
        with open(self.p("srp-modulus-key.secret")) as f:
            secret = pgp.SecretKey.load(f.read())
        if self.missing("srp-modulus-key.asc", "modulus.asc"):
            certs.write_file(self.p("srp-modulus-key.asc"), secret.export_public(MODULUS_KEY_UID))
            text = base64.b64encode(bytes.fromhex(LAB_MODULUS_HEX)).decode("ascii")
            certs.write_file(self.p("modulus.asc"), secret.sign_cleartext(text))

    def api_pin(self):
        """Extension: base64 SHA-256 of api.pem's SubjectPublicKeyInfo (a TLS pin like Proton's)."""
        spki = certs.load_cert(self.p("api.pem")).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        certs.write_file(self.p("api.pin"), base64.b64encode(hashlib.sha256(spki).digest()).decode() + "\n")


def generate(state, force=False, servers=None):
    pki = Pki(state, force)
    lab = labstate.lab(state)
    api_ca = pki.ca("api-ca", "pvpn lab API CA")
    pki.leaf("api", api_ca, lab["api"]["host"], dns=[lab["api"]["host"]], ips=[lab["api"]["ip"]])
    pki.api_pin()
    root = pki.ca("proton-root-ca", "ProtonVPN Root CA", unit="ProtonVPN")
    for server in servers if servers is not None else lab["servers"]:
        pki.leaf("agent-" + server["slug"], root, server["domain"], dns=[server["domain"]])
    pki.ca("vpn-cert-ca", "ProtonVPN Client CA (pvpn lab)", unit="ProtonVPN")
    pki.modulus()
    return pki.dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate"])
    parser.add_argument("--state", default=None, help="lab state dir (default $PVPN_LAB_DIR or /run/pvpn-lab)")
    parser.add_argument("--force", action="store_true", help="regenerate every file")
    args = parser.parse_args(argv)
    state = labstate.state_dir(args.state)
    if not os.path.exists(labstate.path(state, "lab.json")):
        print("pki.py: warning: no lab.json in %s: no local-agent certificates made" % state, file=sys.stderr)
    print(generate(state, args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
