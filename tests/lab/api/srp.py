"""Proton SRP (auth version 3/4) math, both sides. Written from docs/proton-api.md section 1.4.

All big integers travel as 256-byte little-endian strings ("LE256"), base64 on the wire.
"""
import base64
import hashlib
import secrets

import bcrypt

G = 2
BYTES = 256
BCRYPT_ALPHABET = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
STD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def to_le(n):
    return n.to_bytes(BYTES, "little")


def from_le(b):
    return int.from_bytes(b, "little")


def expand_hash(data):
    """Proton's 2048-bit hash: SHA512(data||0) || ... || SHA512(data||3)."""
    return b"".join(hashlib.sha512(data + bytes([i])).digest() for i in range(4))


def bcrypt_base64(raw):
    std = base64.b64encode(raw).rstrip(b"=")
    return std.translate(bytes.maketrans(STD_ALPHABET, BCRYPT_ALPHABET))


def hash_password(password, salt, modulus_bytes):
    """x for auth version 3/4. password: str or bytes; salt: 10 raw bytes; modulus_bytes: LE256."""
    if isinstance(password, str):
        password = password.encode("utf-8")
    if not password:
        raise ValueError("empty password")
    setting = b"$2y$10$" + bcrypt_base64(salt + b"proton")[:22]
    hashed = bcrypt.hashpw(password[:72], setting)
    return from_le(expand_hash(hashed + modulus_bytes))


def multiplier(n):
    k = from_le(expand_hash(to_le(G) + to_le(n))) % n
    if k <= 1 or k >= n - 1:
        raise ValueError("bad multiplier")
    return k


def check_modulus(n):
    if n.bit_length() != 2048:
        raise ValueError("modulus must be 2048 bits")
    if n % 8 != 3:
        raise ValueError("modulus must be 3 mod 8")
    if pow(G, (n - 1) // 2, n) != n - 1:
        raise ValueError("2 is not a generator of the safe-prime group")


def verifier(password, salt, modulus_bytes):
    n = from_le(modulus_bytes)
    return pow(G, hash_password(password, salt, modulus_bytes), n)


def scramble(a_pub, b_pub):
    return from_le(expand_hash(to_le(a_pub) + to_le(b_pub)))


def client_proof(a_pub, b_pub, shared):
    return expand_hash(to_le(a_pub) + to_le(b_pub) + to_le(shared))


def server_proof(a_pub, m1, shared):
    return expand_hash(to_le(a_pub) + m1 + to_le(shared))


class ServerSession:
    """One SRP exchange, server side. b may be fixed (test vectors)."""

    def __init__(self, modulus_bytes, verifier_int, b=None):
        self.n = from_le(modulus_bytes)
        self.v = verifier_int % self.n
        self.k = multiplier(self.n)
        while True:
            self.b = b if b is not None else secrets.randbits(256) | (1 << 255)
            self.b_pub = (self.k * self.v + pow(G, self.b, self.n)) % self.n
            if self.b_pub > 1 or b is not None:
                break

    def ephemeral(self):
        return to_le(self.b_pub)

    def verify(self, a_bytes, m1):
        """Returns M2 (bytes) if the client's proof m1 is right, else None."""
        a_pub = from_le(a_bytes)
        if len(a_bytes) != BYTES or a_pub % self.n == 0 or len(m1) != BYTES:
            return None
        u = scramble(a_pub, self.b_pub)
        if u == 0:
            return None
        shared = pow(a_pub * pow(self.v, u, self.n) % self.n, self.b, self.n)
        if not secrets.compare_digest(client_proof(a_pub, self.b_pub, shared), m1):
            return None
        return server_proof(a_pub, m1, shared)


class ClientSession:
    """One SRP exchange, client side (used by tests and the lab self-test)."""

    def __init__(self, modulus_bytes, a=None):
        self.modulus_bytes = modulus_bytes
        self.n = from_le(modulus_bytes)
        check_modulus(self.n)
        self.k = multiplier(self.n)
        self.a = a if a is not None else secrets.randbits(256) | (1 << 255)
        self.a_pub = pow(G, self.a, self.n)
        self.expected_m2 = None

    def ephemeral(self):
        return to_le(self.a_pub)

    def proof(self, password, salt, b_bytes):
        b_pub = from_le(b_bytes)
        if b_pub <= 1 or b_pub >= self.n - 1:
            raise ValueError("bad server ephemeral")
        u = scramble(self.a_pub, b_pub)
        if u == 0:
            raise ValueError("u is zero")
        x = hash_password(password, salt, self.modulus_bytes)
        base = (b_pub - self.k * pow(G, x, self.n)) % self.n
        shared = pow(base, self.a + u * x, self.n)
        m1 = client_proof(self.a_pub, b_pub, shared)
        self.expected_m2 = server_proof(self.a_pub, m1, shared)
        return m1

    def check_server(self, m2):
        return self.expected_m2 is not None and secrets.compare_digest(self.expected_m2, m2)
