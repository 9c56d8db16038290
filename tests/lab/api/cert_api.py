"""POST /vpn/v1/certificate (proton-api.md 3.3): parse the request, issue the X.509 certificate for the
client's Ed25519 key (signed by pki/vpn-cert-ca), then authorise the derived X25519 key on the servers."""
import base64
import datetime
import re
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

import certs
import httpd
import labstate
import wg_grant
import x25519

SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
DEFAULT_TTL = 86400
MIN_DURATION = 600
UNITS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "min": 60, "minute": 60, "minutes": 60, "mins": 60,
         "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
FEATURES = {  # request key -> (kebab name, type)
    "NetShieldLevel": ("netshield-level", int), "PortForwarding": ("port-forwarding", bool),
    "RandomNAT": ("randomized-nat", bool), "SplitTCP": ("split-tcp", bool), "SafeMode": ("safe-mode", bool),
    "Bouncing": ("bouncing", str), "Jail": ("jail", bool),
}


class BadRequest(Exception):
    pass


def parse_public_key(value):
    """Ed25519 key from an SPKI PEM, a bare base64 SPKI DER, or base64 of the raw 32 bytes -> raw bytes."""
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("ClientPublicKey is required")
    text = value.strip()
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError:
            raise BadRequest("ClientPublicKey: bad PEM")
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise BadRequest("ClientPublicKey must be an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except ValueError:
        raise BadRequest("ClientPublicKey: not PEM or base64")
    if len(raw) == 32:
        return raw
    if len(raw) == 44 and raw.startswith(SPKI_PREFIX):
        return raw[12:]
    raise BadRequest("ClientPublicKey must be an Ed25519 key")


def parse_duration(value):
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value * 60
    else:
        m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]+)\s*", str(value))
        if not m or m.group(2).lower() not in UNITS:
            raise BadRequest("Invalid Duration")
        seconds = int(m.group(1)) * UNITS[m.group(2).lower()]
    if seconds < MIN_DURATION:
        raise BadRequest("Duration must be at least 10 minutes")
    return seconds


def parse_features(value):
    if value is None or value == [] or value == {}:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("Features must be an object")
    out = {}
    for key, item in value.items():
        spec = FEATURES.get(key)
        if spec is None:
            continue  # web metadata such as peerName/platform
        name, kind = spec
        if kind is bool and not isinstance(item, bool):
            raise BadRequest("Features.%s must be a boolean" % key)
        if kind is int and (not isinstance(item, int) or isinstance(item, bool) or not 0 <= item <= 2):
            raise BadRequest("Features.%s must be 0, 1 or 2" % key)
        if kind is str and not isinstance(item, str):
            raise BadRequest("Features.%s must be a string" % key)
        out[name] = item
    return out


def lifetime(knob_values, requested):
    limit = knob_values.get("cert_ttl")
    limit = int(limit) if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit > 0 else DEFAULT_TTL
    return min(requested, limit) if requested else limit


def issue(app, req):
    body = req.json if isinstance(req.json, dict) else {}
    try:
        raw = parse_public_key(body.get("ClientPublicKey"))
        if body.get("ClientPublicKeyMode", "EC") != "EC":
            raise BadRequest("ClientPublicKeyMode must be EC")
        mode = body.get("Mode") or "session"
        if mode not in ("session", "persistent"):
            raise BadRequest("Mode must be session or persistent")
        requested = parse_duration(body.get("Duration"))
        features = parse_features(body.get("Features"))
        client_key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        wg_pub = x25519.public_from_ed25519(raw)
    except (BadRequest, ValueError) as exc:
        return httpd.error(422, 2001, str(exc))
    session = req.session
    conflict = req.knobs.get("key_conflict")
    key_b64 = base64.b64encode(raw).decode()
    previous = app.store.keys.get(key_b64)
    if conflict and previous and not body.get("Renew") and (conflict == "always" or previous["uid"] != session["UID"]):
        return httpd.error(409, 2500, "The public key is already registered to another session")
    app.store.register_key(key_b64, session["UID"])

    ttl = lifetime(req.knobs, requested)
    issued = int(time.time())
    expires = issued + ttl
    ca_cert, ca_key = app.vpn_ca()
    serial = x509.random_serial_number()
    exts = certs.proton_extensions(features, session.get("second_factor"), 2, ["vpnplus"], None)
    cert = certs.make_leaf(ca_cert, ca_key, "%x" % serial, client_key, server=False,
                           not_before=datetime.datetime.fromtimestamp(issued - 60, certs.UTC),
                           not_after=datetime.datetime.fromtimestamp(expires, certs.UTC),
                           extra_extensions=exts, serial=serial)
    wg_b64 = x25519.b64(wg_pub)
    failures = wg_grant.authorize(app.state, labstate.lab(app.state), wg_b64,
                                  bool(features.get("port-forwarding")), expires)
    return httpd.Response(200, {
        "Code": 1000,
        "SerialNumber": str(serial),
        "ClientKeyFingerprint": x25519.proton_fingerprint(wg_pub),
        "ClientKey": certs.pem_public(client_key).decode(),
        "Certificate": certs.pem_cert(cert).decode(),
        "ExpirationTime": expires,
        "RefreshTime": issued + ttl // 2,
        "Mode": mode,
        "DeviceName": body.get("DeviceName") or "",
        "ServerPublicKeyMode": "EC",
        "ServerPublicKey": certs.pem_public(ca_key.public_key()).decode(),
        "Features": features,
    }, headers={"X-Lab-Grant-Failures": str(len(failures))})
