"""Authorises a certified client on every lab server (wg set ... peer) and records grants/cert.json."""
import os
import subprocess
import sys
import threading
import time

import labstate

CLIENT_ALLOWED_IPS = "10.2.0.2/32"
_lock = threading.Lock()


def wg_command():
    return os.environ.get("PVPN_LAB_WG", "wg")


def authorize(state, lab, x25519_b64, pf, expires):
    """Makes x25519_b64 the one client peer of each server's wireguard-go and records the grant."""
    with _lock:
        file = labstate.path(state, "grants", "cert.json")
        grants = labstate.read_json(file, {}) or {}
        now = int(time.time())
        previous = [k for k, v in grants.items() if k != x25519_b64 and v.get("current")]
        for key in list(grants):
            grants[key]["current"] = False
            if grants[key].get("expires", 0) < now - 86400:
                del grants[key]
        grants[x25519_b64] = {"pf": bool(pf), "expires": int(expires), "granted": now, "current": True}
        labstate.write_json(file, grants)
        failures = []
        for server in lab.get("servers", []):
            cmd = [wg_command(), "set", server["wg_if"], "peer", x25519_b64, "allowed-ips", CLIENT_ALLOWED_IPS]
            for old in previous:
                cmd += ["peer", old, "remove"]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
                if done.returncode != 0:
                    failures.append("%s: %s" % (server["wg_if"], done.stderr.strip()))
            except (OSError, subprocess.TimeoutExpired) as exc:
                failures.append("%s: %s" % (server["wg_if"], exc))
        for failure in failures:
            print("api: wg grant failed on %s" % failure, file=sys.stderr, flush=True)
        return failures
