"""Ed25519 -> X25519 (WireGuard) key mapping, docs/proton-api.md section 4."""
import base64
import hashlib

P = 2 ** 255 - 19


def public_from_ed25519(ed_pub):
    """Montgomery u = (1 + y) / (1 - y) mod p of the Edwards point (sign bit of x dropped)."""
    if len(ed_pub) != 32:
        raise ValueError("Ed25519 public key must be 32 bytes")
    y = int.from_bytes(ed_pub, "little") & ((1 << 255) - 1)
    if y >= P or (1 - y) % P == 0:
        raise ValueError("invalid Ed25519 point")
    u = (1 + y) * pow((1 - y) % P, P - 2, P) % P
    return u.to_bytes(32, "little")


def private_from_ed25519_seed(seed):
    """WireGuard private key: clamp(SHA-512(seed)[:32])."""
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 0xF8
    h[31] &= 0x7F
    h[31] |= 0x40
    return bytes(h)


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def proton_fingerprint(x25519_pub):
    """ClientKeyFingerprint: base64(SHA-512(X25519 public key))."""
    return b64(hashlib.sha512(x25519_pub).digest())
