"""POST /vpn/v1/certificate: key forms, the X.509 result, the X25519 derivation, grants and wg calls."""
import base64
import datetime
import hashlib
import json
import os
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519 as cx25519

import certs
import x25519

Raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def new_key():
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, pem.decode()


def seed_of(key):
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def test_x25519_derivation_matches_cryptography_and_wg():
    for _ in range(5):
        key = ed25519.Ed25519PrivateKey.generate()
        wg_priv = x25519.private_from_ed25519_seed(seed_of(key))
        expected = cx25519.X25519PrivateKey.from_private_bytes(wg_priv).public_key().public_bytes(*Raw)
        assert x25519.public_from_ed25519(key.public_key().public_bytes(*Raw)) == expected
        if shutil.which("wg"):
            out = subprocess.run(["wg", "pubkey"], input=base64.b64encode(wg_priv).decode() + "\n",
                                 capture_output=True, text=True, timeout=10).stdout.strip()
            assert out == base64.b64encode(expected).decode()


@pytest.fixture(scope="module")
def session(lab):
    return lab.login()


def test_certificate_issued_and_granted(lab, session):
    key, pem = new_key()
    open(lab.wg_log, "w").close()
    r = session.certificate(pem, features={"PortForwarding": True, "NetShieldLevel": 1, "RandomNAT": False},
                            duration="10080 min")
    for field in ("SerialNumber", "ClientKeyFingerprint", "ClientKey", "Certificate", "ExpirationTime",
                  "RefreshTime", "Mode", "ServerPublicKey", "ServerPublicKeyMode"):
        assert field in r
    assert r["Mode"] == "session"
    assert r["ExpirationTime"] - r["RefreshTime"] == 43200  # default cert_ttl 86400, refresh at half
    cert = x509.load_pem_x509_certificate(r["Certificate"].encode())
    ca = certs.load_cert(os.path.join(lab.state, "pki", "vpn-cert-ca.pem"))
    ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    assert cert.public_key().public_bytes(*Raw) == key.public_key().public_bytes(*Raw)
    assert int(cert.not_valid_after.replace(tzinfo=datetime.timezone.utc).timestamp()) == r["ExpirationTime"]
    ext = certs.read_proton_extensions(cert)
    assert ext["port-forwarding"] == 1 and ext["netshield-level"] == 1 and ext["randomized-nat"] == 0
    pf_oid = x509.ObjectIdentifier("1.3.6.1.4.1.56809.1.0.1.3")
    assert cert.extensions.get_extension_for_oid(pf_oid).value.value == b"\x02\x01\x01"
    wg_pub = x25519.public_from_ed25519(key.public_key().public_bytes(*Raw))
    assert r["ClientKeyFingerprint"] == base64.b64encode(hashlib.sha512(wg_pub).digest()).decode()
    wg_b64 = base64.b64encode(wg_pub).decode()
    grants = json.load(open(os.path.join(lab.state, "grants", "cert.json")))
    assert grants[wg_b64]["pf"] is True and grants[wg_b64]["expires"] == r["ExpirationTime"]
    assert grants[wg_b64]["current"] is True
    calls = open(lab.wg_log).read().splitlines()
    assert sorted(c.split()[1] for c in calls) == sorted(s["wg_if"] for s in lab.lab["servers"])
    assert all(("peer %s allowed-ips 10.2.0.2/32" % wg_b64) in c for c in calls)

    # a second key replaces the first on every server
    _, pem2 = new_key()
    open(lab.wg_log, "w").close()
    r2 = session.certificate(pem2)
    calls = open(lab.wg_log).read().splitlines()
    assert all(("peer %s remove" % wg_b64) in c for c in calls) and len(calls) == len(lab.lab["servers"])
    grants = json.load(open(os.path.join(lab.state, "grants", "cert.json")))
    assert grants[wg_b64]["current"] is False and sum(g["current"] for g in grants.values()) == 1
    cert2 = x509.load_pem_x509_certificate(r2["Certificate"].encode())
    assert "port-forwarding" not in certs.read_proton_extensions(cert2)


def test_key_forms(session):
    key, pem = new_key()
    raw = key.public_key().public_bytes(*Raw)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    for form in (pem, base64.b64encode(raw).decode(), base64.b64encode(spki).decode()):
        cert = x509.load_pem_x509_certificate(session.certificate(form)["Certificate"].encode())
        assert cert.public_key().public_bytes(*Raw) == raw


def test_bad_requests(session):
    _, pem = new_key()
    for body in ({"ClientPublicKey": "garbage"}, {"ClientPublicKey": pem, "Duration": "5 min"},
                 {"ClientPublicKey": pem, "ClientPublicKeyMode": "RSA"},
                 {"ClientPublicKey": pem, "Features": {"PortForwarding": "yes"}}):
        status, _, r = session.raw("POST", "/vpn/v1/certificate", body)
        assert (status, r["Code"]) == (422, 2001), body


def test_cert_ttl_knob_and_duration(lab, session):
    _, pem = new_key()
    lab.knobs(cert_ttl=120)
    r = session.certificate(pem)
    assert r["ExpirationTime"] - r["RefreshTime"] == 60
    lab.knobs()
    r = session.certificate(pem, duration="30 minutes")
    assert r["ExpirationTime"] - r["RefreshTime"] == 900


def test_key_conflict(lab, session):
    _, pem = new_key()
    session.certificate(pem)
    other = lab.login()
    lab.knobs(key_conflict=True)
    status, _, r = other.raw("POST", "/vpn/v1/certificate", {"ClientPublicKey": pem})
    assert (status, r["Code"]) == (409, 2500)
    assert session.certificate(pem)["Certificate"]  # the owner session may renew
    lab.knobs(key_conflict="always")
    assert session.raw("POST", "/vpn/v1/certificate", {"ClientPublicKey": pem})[2]["Code"] == 2500
    _, fresh = new_key()
    assert session.certificate(fresh)["Certificate"]
