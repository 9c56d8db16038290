"""Local-agent wire format and messages (proton-api.md section 6): 4-byte big-endian length + UTF-8 JSON."""
import json
import struct

MAX_MESSAGE = 1 << 16
DEFAULT_FEATURES = {"netshield-level": 0, "randomized-nat": True, "split-tcp": True, "port-forwarding": False,
                    "jail": False, "bouncing": "0", "safe-mode": False}
FEATURE_TYPES = {"netshield-level": int, "randomized-nat": bool, "split-tcp": bool, "port-forwarding": bool,
                 "jail": bool, "bouncing": str, "safe-mode": bool}
REASONS = {
    86101: ("Certificate expired", True),
    86102: ("Certificate revoked", True),
    86110: ("Maximum number of sessions reached", True),
    86113: ("Maximum number of sessions reached (Plus plan)", True),
    86151: ("Plan too low for this server", True),
    86153: ("Port forwarding (torrenting) is not allowed on this server: connect to a P2P server", False),
}
ERR_SYNTAX = 86202


class FramingError(Exception):
    pass


def _read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            if data:
                raise FramingError("connection closed inside a message")
            return None
        data += chunk
    return data


def read_message(sock):
    """-> bytes of one message, or None at a clean end of stream."""
    head = _read_exact(sock, 4)
    if head is None:
        return None
    (n,) = struct.unpack(">I", head)
    if n > MAX_MESSAGE:
        raise FramingError("message too long (%d bytes)" % n)
    body = _read_exact(sock, n)
    if body is None:
        raise FramingError("connection closed inside a message")
    return body


def frame(obj):
    data = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    return struct.pack(">I", len(data)) + data


def reason(code):
    description, final = REASONS.get(code, ("Reason %d (lab)" % code, False))
    return {"code": code, "final": final, "description": description}


def error(code, description):
    return {"error": {"code": code, "description": description}}


def validate_features(request):
    """-> (dict of valid features, None) or (None, error message)."""
    if not isinstance(request, dict):
        return None, "features-set must be an object"
    out = {}
    for key, value in request.items():
        kind = FEATURE_TYPES.get(key)
        if kind is None:
            return None, "unknown feature %r" % key
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2):
            return None, "%s must be 0, 1 or 2" % key
        if kind is not int and not isinstance(value, kind):
            return None, "%s has the wrong type" % key
        out[key] = value
    return out, None
