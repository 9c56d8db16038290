"""The API's memory: sessions and tokens, human-verification tokens, certified keys, knob edges.

Persisted to <state>/api/state.json (atomic rewrite on change) so `scripts/lab api down|up` keeps sessions.
Pending SRP exchanges live in memory only (they last a few seconds).
"""
import secrets
import threading
import time

import labstate

SRP_TTL = 300
HV_TTL = 3600
MAX_SESSIONS = 2000


def token():
    return secrets.token_hex(16)


class Store:
    def __init__(self, state):
        self.file = labstate.path(state, "api", "state.json")
        self.lock = threading.RLock()
        data = labstate.read_json(self.file, {}) or {}
        self.sessions = data.get("sessions", {})
        self.hv = data.get("hv", {})
        self.keys = data.get("keys", {})
        self.edges = data.get("edges", {})
        self.srp = {}

    def save(self):
        with self.lock:
            labstate.write_json(self.file, {"sessions": self.sessions, "hv": self.hv, "keys": self.keys,
                                            "edges": self.edges})

    # --- SRP exchanges -------------------------------------------------------------------------------
    def srp_put(self, username, server_session):
        sid = secrets.token_hex(16)
        with self.lock:
            now = time.time()
            for k in [k for k, v in self.srp.items() if v[2] < now]:
                del self.srp[k]
            self.srp[sid] = (username, server_session, now + SRP_TTL)
        return sid

    def srp_get(self, sid):
        with self.lock:
            entry = self.srp.get(sid)
            return entry if entry and entry[2] >= time.time() else None

    def srp_drop(self, sid):
        with self.lock:
            self.srp.pop(sid, None)

    # --- sessions ------------------------------------------------------------------------------------
    def _issue(self, s, ttl):
        now = time.time()
        s.update(AccessToken=token(), RefreshToken=token(), issued=now, expires=now + ttl)

    def new_session(self, user, scopes, ttl, authenticated=True, second_factor=False):
        s = {"UID": token(), "user": user, "scopes": scopes, "authenticated": authenticated,
             "second_factor": second_factor, "created": time.time()}
        self._issue(s, ttl)
        with self.lock:
            self.sessions[s["UID"]] = s
            if len(self.sessions) > MAX_SESSIONS:  # tests log in a lot: forget the least recently used
                for uid in sorted(self.sessions, key=lambda u: self.sessions[u]["issued"])[:len(self.sessions) // 4]:
                    del self.sessions[uid]
            self.save()
        return dict(s)

    def check_access(self, uid, access, expire_epoch):
        """-> (session copy, None) or (None, reason) with reason 'invalid' or 'expired'."""
        with self.lock:
            s = self.sessions.get(uid)
            if not s or not access or not secrets.compare_digest(s["AccessToken"], access):
                return None, "invalid"
            if s.get("killed") == s["AccessToken"] or time.time() >= s["expires"]:
                return None, "expired"
            if expire_epoch is not None and s["issued"] < expire_epoch:
                s["killed"] = s["AccessToken"]
                self.save()
                return None, "expired"
            return dict(s), None

    def refresh(self, uid, refresh_token, ttl):
        with self.lock:
            match = None
            for s in ([self.sessions.get(uid)] if uid else list(self.sessions.values())):
                if s and refresh_token and secrets.compare_digest(s["RefreshToken"], refresh_token):
                    match = s
                    break
            if not match:
                return None
            self._issue(match, ttl)
            match.pop("killed", None)
            self.save()
            return dict(match)

    def update(self, uid, **fields):
        with self.lock:
            s = self.sessions.get(uid)
            if s:
                s.update(fields)
                self.save()
            return dict(s) if s else None

    def delete(self, uid):
        with self.lock:
            gone = self.sessions.pop(uid, None)
            if gone:
                self.save()
            return gone is not None

    def sessions_of(self, user):
        with self.lock:
            return [dict(s) for s in self.sessions.values() if s["user"] == user and s["authenticated"]]

    # --- human verification --------------------------------------------------------------------------
    def hv_new(self):
        t = secrets.token_urlsafe(18)
        with self.lock:
            now = time.time()
            self.hv = {k: v for k, v in self.hv.items() if v["created"] + HV_TTL > now}
            self.hv[t] = {"created": now, "solved": False}
            self.save()
        return t

    def hv_solve(self, t):
        with self.lock:
            if t not in self.hv:
                return False
            self.hv[t]["solved"] = True
            self.save()
            return True

    def hv_consume(self, t):
        with self.lock:
            entry = self.hv.get(t)
            if not entry or not entry["solved"]:
                return False
            del self.hv[t]
            self.save()
            return True

    # --- certified keys ------------------------------------------------------------------------------
    def register_key(self, ed_pub_b64, uid):
        """Returns the previous record for this key (or None) and records the new owner."""
        with self.lock:
            previous = self.keys.get(ed_pub_b64)
            self.keys[ed_pub_b64] = {"uid": uid, "time": time.time()}
            self.save()
            return previous

    # --- knob edges ----------------------------------------------------------------------------------
    def rate_limited(self, value):
        """knob rate_limit N: the next N requests after the knob takes a new value are refused."""
        with self.lock:
            edge = self.edges.get("rate_limit")
            if edge is None or edge.get("value") != value:
                n = value if isinstance(value, int) and not isinstance(value, bool) else 0
                edge = self.edges["rate_limit"] = {"value": value, "remaining": max(0, n)}
                self.save()
            if edge["remaining"] > 0:
                edge["remaining"] -= 1
                self.save()
                return True
            return False

    def expire_epoch(self, value):
        """knob expire_session: tokens issued before the knob became true (or changed value) are dead."""
        with self.lock:
            edge = self.edges.get("expire_session")
            if edge is None or edge.get("value") != value:
                edge = self.edges["expire_session"] = {"value": value, "epoch": time.time() if value else None}
                self.save()
            return edge["epoch"] if value else None
