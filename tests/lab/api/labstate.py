"""The lab's shared state directory (docs/lab-contract.md): lab.json, knobs.json, pki/, grants/."""
import json
import os

DEFAULT_DIR = "/run/pvpn-lab"
DEFAULT_API = {"url": "https://vpn-api.lab.test", "host": "vpn-api.lab.test", "ip": "198.51.100.10",
               "user": "labuser", "password": "labpass", "totp_secret": "JBSWY3DPEHPK3PXP"}
# The country the lab's "ISP" (the client's underlay address) is in; /vpn/v1/location and the agent use it.
HOME_COUNTRY = "FR"
BLACKHOLE_NET = "203.0.113.128/25"   # entry/exit IPs of the generated, unreachable servers


def state_dir(arg=None):
    return arg or os.environ.get("PVPN_LAB_DIR") or DEFAULT_DIR


def path(state, *parts):
    return os.path.join(state, *parts)


def read_json(file, default=None):
    try:
        with open(file, "r", encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_json(file, obj):
    """Atomic replace (temp file + rename), as every lab part writes shared JSON."""
    os.makedirs(os.path.dirname(file), exist_ok=True)
    tmp = "%s.tmp.%d.%d" % (file, os.getpid(), id(obj))
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, file)


def lab(state):
    data = read_json(path(state, "lab.json"), {}) or {}
    api = dict(DEFAULT_API)
    api.update(data.get("api") or {})
    data["api"] = api
    data.setdefault("servers", [])
    return data


def knobs(state):
    data = read_json(path(state, "knobs.json"), {})
    return data if isinstance(data, dict) else {}


def server_knobs(knob_values, slug):
    servers = knob_values.get("servers") or {}
    value = servers.get(slug) if isinstance(servers, dict) else None
    return value if isinstance(value, dict) else {}
