"""The local agent over TLS, with a client certificate obtained from the API."""
import datetime
import json
import os
import ssl
import socket

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

import certs
import la_client
import la_protocol


def key_pems():
    key = ed25519.Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, pub.decode(), certs.pem_key(key).decode()


@pytest.fixture(scope="module")
def session(lab):
    return lab.login()


def connect(lab, agents, slug, cert_pem, key_pem, **kw):
    server = next(s for s in lab.lab["servers"] if s["slug"] == slug)
    return la_client.AgentClient("127.0.0.1", agents[slug], server["domain"],
                                 os.path.join(lab.state, "pki", "proton-root-ca.pem"), cert_pem, key_pem, **kw)


def test_status_and_port_forwarding_on_p2p(lab, agents, session):
    _, pub, priv = key_pems()
    cert = session.certificate(pub, features={"NetShieldLevel": 2})["Certificate"]
    c = connect(lab, agents, "s1", cert, priv)
    st = c.status()["status"]
    assert st["state"] == "connected" and "reason" not in st
    assert st["features"]["netshield-level"] == 2 and st["features"]["port-forwarding"] is False
    assert st["connection-details"]["server-ipv4"] == "198.51.100.111"
    assert st["connection-details"]["device-ip"] == "192.0.2.2"
    st = c.features_set(port_forwarding=True)["status"]
    assert st["features"]["port-forwarding"] is True and "reason" not in st
    grant = json.load(open(os.path.join(lab.state, "grants", "agent-s1.json")))
    assert grant["pf"] is True and grant["features"]["port-forwarding"] is True and grant["x25519"]
    stats = c.request({"status-get": {"features-statistics": True}})["status"]
    assert "features-statistics" in stats
    c.close()


def test_tls13_also_accepted(lab, agents, session):
    _, pub, priv = key_pems()
    c = connect(lab, agents, "s1", session.certificate(pub)["Certificate"], priv, tls12_only=False)
    assert c.status()["status"]["state"] == "connected"
    c.close()


def test_port_forwarding_refused_on_non_p2p(lab, agents, session):
    _, pub, priv = key_pems()
    c = connect(lab, agents, "s3", session.certificate(pub)["Certificate"], priv)
    st = c.features_set(port_forwarding=True)["status"]
    assert st["state"] == "connected" and st["features"]["port-forwarding"] is False
    assert st["reason"]["code"] == 86153
    assert json.load(open(os.path.join(lab.state, "grants", "agent-s3.json")))["pf"] is False
    c.close()


def test_syntax_errors(lab, agents, session):
    _, pub, priv = key_pems()
    c = connect(lab, agents, "s1", session.certificate(pub)["Certificate"], priv)
    assert c.request({"features-set": {"netshield-level": 7}})["error"]["code"] == la_protocol.ERR_SYNTAX
    assert c.request({"bogus": {}})["error"]["code"] == la_protocol.ERR_SYNTAX
    assert c.status()["status"]["state"] == "connected"
    c.close()


def test_expired_certificate_is_hard_jailed(lab, agents):
    key, _, priv = key_pems()
    ca = (certs.load_cert(os.path.join(lab.state, "pki", "vpn-cert-ca.pem")),
          certs.load_key(os.path.join(lab.state, "pki", "vpn-cert-ca.key")))
    past = certs.now() - datetime.timedelta(hours=1)
    cert = certs.make_leaf(ca[0], ca[1], "expired", key.public_key(), server=False,
                           not_before=past - datetime.timedelta(days=1), not_after=past)
    c = connect(lab, agents, "s1", certs.pem_cert(cert).decode(), priv)
    st = c.status()["status"]
    assert st["state"] == "hard-jailed" and st["reason"] == {"code": 86101, "final": True,
                                                             "description": "Certificate expired"}
    c.close()


def test_client_certificate_required(lab, agents):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(lab.state, "pki", "proton-root-ca.pem"))
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        with socket.create_connection(("127.0.0.1", agents["s1"]), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="node-ch-01.lab.test") as s:
                s.sendall(la_protocol.frame({"status-get": {}}))
                if la_protocol.read_message(s) is None:
                    raise ConnectionError("closed")


def test_foreign_client_certificate_refused(lab, agents):
    key, _, priv = key_pems()
    rogue_ca_key = certs.new_ec_key()
    rogue_ca = certs.make_ca("rogue", rogue_ca_key)
    cert = certs.make_leaf(rogue_ca, rogue_ca_key, "rogue", key.public_key(), server=False)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        c = connect(lab, agents, "s1", certs.pem_cert(cert).decode(), priv)
        if c.status() is None:
            raise ConnectionError("closed")
