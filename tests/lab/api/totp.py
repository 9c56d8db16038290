"""TOTP (RFC 6238): HMAC-SHA-1, 30 s steps, 6 digits."""
import base64
import hmac
import struct
import time

STEP = 30
DIGITS = 6


def _key(secret_b32):
    s = secret_b32.replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def code_at(secret_b32, when):
    counter = int(when) // STEP
    mac = hmac.new(_key(secret_b32), struct.pack(">Q", counter), "sha1").digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (DIGITS, value % 10 ** DIGITS)


def now_code(secret_b32):
    return code_at(secret_b32, time.time())


def check(secret_b32, code, when=None, window=1):
    """True if code matches the current step or one step either side."""
    if not isinstance(code, str) or len(code.strip()) != DIGITS or not code.strip().isdigit():
        return False
    when = time.time() if when is None else when
    return any(hmac.compare_digest(code_at(secret_b32, when + i * STEP), code.strip())
               for i in range(-window, window + 1))
