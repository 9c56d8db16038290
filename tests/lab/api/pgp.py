"""OpenPGP EdDSA (Ed25519) keys and cleartext signatures, as Proton uses for the SRP modulus.

Only what the lab needs: a v4 EdDSA key (algo 22) with one user ID and a self-signature, its secret
form (unprotected), and v4 canonical-text (type 0x01) SHA-256 signatures in the cleartext framework.
"""
import hashlib
import struct
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

import pgp_packets as pp

ALGO_EDDSA = 22
HASH_SHA256 = 8
ED25519_OID = bytes.fromhex("2b06010401da470f01")  # 1.3.6.1.4.1.11591.15.1
TAG_SIGNATURE, TAG_SECRET_KEY, TAG_PUBLIC_KEY, TAG_USER_ID = 2, 5, 6, 13
SIG_TEXT, SIG_POSITIVE_CERT = 0x01, 0x13
SP_CREATED, SP_KEY_FLAGS, SP_PREF_HASH, SP_ISSUER, SP_FEATURES, SP_ISSUER_FPR = 2, 27, 21, 16, 30, 33


class PublicKey:
    def __init__(self, raw, created):
        if len(raw) != 32:
            raise ValueError("Ed25519 public key must be 32 bytes")
        self.raw = raw
        self.created = created
        self.fingerprint = hashlib.sha1(self.framed()).digest()
        self.key_id = self.fingerprint[-8:]

    def body(self):
        return (bytes([4]) + struct.pack(">I", self.created) + bytes([ALGO_EDDSA, len(ED25519_OID)])
                + ED25519_OID + pp.mpi(b"\x40" + self.raw))

    def framed(self):
        body = self.body()
        return b"\x99" + struct.pack(">H", len(body)) + body


class PinnedKey:
    """A verifying key known only by its raw bytes and fingerprint (e.g. Proton's, from the docs)."""

    def __init__(self, raw, fingerprint):
        self.raw = raw
        self.fingerprint = fingerprint
        self.key_id = fingerprint[-8:]


def parse_key_body(body):
    """Public-key material at the start of a (public or secret) key packet body -> (PublicKey, end)."""
    if body[0] != 4 or body[5] != ALGO_EDDSA:
        raise ValueError("not a v4 EdDSA key")
    created = struct.unpack(">I", body[1:5])[0]
    oid_len = body[6]
    if body[7:7 + oid_len] != ED25519_OID:
        raise ValueError("not an Ed25519 key")
    point, end = pp.read_mpi(body, 7 + oid_len)
    if len(point) != 33 or point[0] != 0x40:
        raise ValueError("bad EdDSA point")
    return PublicKey(point[1:], created), end


def _signature_packet(signer_key, sig_type, hashed_prefix, seed, hashed_subs, unhashed_subs=b""):
    hashed = bytes([4, sig_type, ALGO_EDDSA, HASH_SHA256]) + struct.pack(">H", len(hashed_subs)) + hashed_subs
    digest = hashlib.sha256(hashed_prefix + hashed + b"\x04\xff" + struct.pack(">I", len(hashed))).digest()
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(digest)
    body = (hashed + struct.pack(">H", len(unhashed_subs)) + unhashed_subs + digest[:2]
            + pp.mpi(sig[:32]) + pp.mpi(sig[32:]))
    return pp.packet(TAG_SIGNATURE, body)


class SecretKey:
    def __init__(self, seed, created=None):
        self.seed = seed
        self.public = PublicKey(_raw_public(seed), int(time.time()) if created is None else created)

    @classmethod
    def generate(cls):
        import os
        return cls(os.urandom(32))

    def _secret_body(self):
        secret = pp.mpi(self.seed)
        checksum = sum(secret) & 0xFFFF
        return self.public.body() + b"\x00" + secret + struct.pack(">H", checksum)

    def _user_id_cert(self, user_id):
        uid = user_id.encode("utf-8")
        prefix = self.public.framed() + b"\xb4" + struct.pack(">I", len(uid)) + uid
        now = max(self.public.created, int(time.time()))
        hashed = (pp.subpacket(SP_CREATED, struct.pack(">I", now))
                  + pp.subpacket(SP_KEY_FLAGS, b"\x03")
                  + pp.subpacket(SP_PREF_HASH, bytes([HASH_SHA256]))
                  + pp.subpacket(SP_FEATURES, b"\x01")
                  + pp.subpacket(SP_ISSUER_FPR, b"\x04" + self.public.fingerprint))
        unhashed = pp.subpacket(SP_ISSUER, self.public.key_id)
        return pp.packet(TAG_USER_ID, uid) + _signature_packet(
            self, SIG_POSITIVE_CERT, prefix, self.seed, hashed, unhashed)

    def export_public(self, user_id):
        data = pp.packet(TAG_PUBLIC_KEY, self.public.body()) + self._user_id_cert(user_id)
        return pp.armor("PUBLIC KEY BLOCK", data, [("Comment", "pvpn lab SRP modulus key")])

    def export_secret(self, user_id):
        data = pp.packet(TAG_SECRET_KEY, self._secret_body()) + self._user_id_cert(user_id)
        return pp.armor("PRIVATE KEY BLOCK", data, [("Comment", "pvpn lab SRP modulus key (unprotected)")])

    @classmethod
    def load(cls, armored):
        for tag, body in pp.parse_packets(pp.dearmor(armored, "PRIVATE KEY BLOCK")):
            if tag == TAG_SECRET_KEY:
                pub, end = parse_key_body(body)
                if body[end] != 0:
                    raise ValueError("protected secret keys are not supported")
                seed, _ = pp.read_mpi(body, end + 1)
                key = cls(seed.rjust(32, b"\0"), pub.created)
                if key.public.raw != pub.raw:
                    raise ValueError("secret key does not match its public key")
                return key
        raise ValueError("no secret key packet")

    def sign_cleartext(self, text, created=None):
        """Cleartext-signed message (RFC 4880 section 7), signature type 0x01, SHA-256."""
        lines = [l.rstrip(" \t") for l in text.split("\n")]
        signed = "\r\n".join(lines).encode("utf-8")
        when = int(time.time()) if created is None else created
        hashed = (pp.subpacket(SP_CREATED, struct.pack(">I", when))
                  + pp.subpacket(SP_ISSUER, self.public.key_id))
        sig = _signature_packet(self, SIG_TEXT, signed, self.seed, hashed)
        escaped = [("- " + l) if l.startswith("-") else l for l in lines]
        return ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + "\n".join(escaped) + "\n"
                + pp.armor("SIGNATURE", sig, [("Version", "pvpn-lab")]))


def _raw_public(seed):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def load_public_key(armored):
    """Parses an armored public key block -> (PublicKey, [user ids]). Checks user-ID self-signatures."""
    key, uids, last_uid = None, [], None
    for tag, body in pp.parse_packets(pp.dearmor(armored, "PUBLIC KEY BLOCK")):
        if tag == TAG_PUBLIC_KEY and key is None:
            key, _ = parse_key_body(body)
        elif tag == TAG_USER_ID and key is not None:
            last_uid = body
        elif tag == TAG_SIGNATURE and last_uid is not None:
            prefix = key.framed() + b"\xb4" + struct.pack(">I", len(last_uid)) + last_uid
            sig = parse_signature(body)
            if sig["type"] in (0x10, 0x11, 0x12, 0x13) and check_signature(sig, prefix, key):
                uids.append(last_uid.decode("utf-8", "replace"))
            last_uid = None
        elif tag in (TAG_PUBLIC_KEY, 14):  # second key / subkey: we only need the primary
            last_uid = None
    if key is None:
        raise ValueError("no public key packet")
    if not uids:
        raise ValueError("no self-signed user ID")
    return key, uids


def parse_signature(body):
    if body[0] != 4:
        raise ValueError("only v4 signatures")
    sig = {"type": body[1], "algo": body[2], "hash": body[3]}
    n = struct.unpack(">H", body[4:6])[0]
    sig["hashed"] = body[:6 + n]
    pos = 6 + n
    m = struct.unpack(">H", body[pos:pos + 2])[0]
    unhashed = body[pos + 2:pos + 2 + m]
    pos += 2 + m
    sig["left16"] = body[pos:pos + 2]
    r, pos = pp.read_mpi(body, pos + 2)
    s, pos = pp.read_mpi(body, pos)
    if pos != len(body) or len(r) > 32 or len(s) > 32:
        raise ValueError("bad EdDSA signature")
    sig["rs"] = r.rjust(32, b"\0") + s.rjust(32, b"\0")
    sig["issuers"] = set()
    for area in (body[6:6 + n], unhashed):
        for kind, value in pp.parse_subpackets(area):
            if kind == SP_ISSUER:
                sig["issuers"].add(bytes(value))
            elif kind == SP_ISSUER_FPR and len(value) == 21:
                sig["issuers"].add(bytes(value[-8:]))
    return sig


def check_signature(sig, signed_data, key):
    if sig["algo"] != ALGO_EDDSA or sig["hash"] != HASH_SHA256:
        return False
    if sig["issuers"] and key.key_id not in sig["issuers"]:
        return False
    hashed = sig["hashed"]
    digest = hashlib.sha256(signed_data + hashed + b"\x04\xff" + struct.pack(">I", len(hashed))).digest()
    if digest[:2] != sig["left16"]:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key.raw).verify(sig["rs"], digest)
    except InvalidSignature:
        return False
    return True


def verify_cleartext(message, key):
    """Verifies a cleartext-signed message with key (PublicKey or PinnedKey); returns the signed text.
    Raises ValueError on any problem, including data after the signature block."""
    lines = message.replace("\r\n", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "-----BEGIN PGP SIGNED MESSAGE-----":
        raise ValueError("not a cleartext-signed message")
    pos = 1
    hashes = []
    while pos < len(lines) and lines[pos] != "":
        if not lines[pos].startswith("Hash: "):
            raise ValueError("bad armor header in signed message")
        hashes += [h.strip() for h in lines[pos][6:].split(",")]
        pos += 1
    if hashes != ["SHA256"]:
        raise ValueError("signed message must declare Hash: SHA256")
    try:
        start = lines.index("-----BEGIN PGP SIGNATURE-----", pos)
        end = lines.index("-----END PGP SIGNATURE-----", start)
    except ValueError:
        raise ValueError("no signature block")
    if end != len(lines) - 1:
        raise ValueError("data after the signature block")
    text_lines = []
    for line in lines[pos + 1:start]:
        if line.startswith("- "):
            line = line[2:]
        elif line.startswith("-"):
            raise ValueError("unescaped dash line")
        text_lines.append(line.rstrip(" \t"))
    text = "\n".join(text_lines)
    packets = list(pp.parse_packets(pp.dearmor_lines(lines[start:end + 1], "SIGNATURE")))
    if len(packets) != 1 or packets[0][0] != TAG_SIGNATURE:
        raise ValueError("expected exactly one signature packet")
    sig = parse_signature(packets[0][1])
    if sig["type"] != SIG_TEXT:
        raise ValueError("expected a canonical-text signature")
    if not check_signature(sig, "\r\n".join(text_lines).encode("utf-8"), key):
        raise ValueError("bad signature")
    return text
