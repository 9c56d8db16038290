"""The API application: routing, the checks every request passes (rate limit, faults, app version,
tokens, scopes), and the account data. Handlers live in auth_api, vpn_api and cert_api."""
import base64
import hashlib
import json
import re
import threading

import auth_api
import cert_api
import certs
import httpd
import labstate
import pgp
import serverlist
import srp
import store
import vpn_api

# route -> (handler, auth): auth None = no token needed, "optional", "session" = any valid token,
# "vpn" = a token whose scopes include vpn (else 403 / 9100).
ROUTES = {
    ("POST", "/auth/info"): (auth_api.info, None),
    ("POST", "/auth"): (auth_api.auth, None),
    ("POST", "/auth/2fa"): (auth_api.two_factor, "session"),
    ("POST", "/auth/refresh"): (auth_api.refresh, None),
    ("DELETE", "/auth"): (auth_api.logout, "session"),
    ("POST", "/auth/sessions"): (auth_api.unauth_session, None),
    ("GET", "/auth/modulus"): (auth_api.modulus, None),
    ("GET", "/core/v4/captcha"): (auth_api.captcha, None),
    ("GET", "/tests/ping"): (vpn_api.ping, None),
    ("GET", "/vpn/v1/logicals"): (vpn_api.logicals, "vpn"),
    ("GET", "/vpn/v1/loads"): (vpn_api.loads, "vpn"),
    ("GET", "/vpn/v2"): (vpn_api.account, "vpn"),
    ("GET", "/vpn/v2/clientconfig"): (vpn_api.client_config, "optional"),
    ("GET", "/vpn/v1/location"): (vpn_api.location, "optional"),
    ("GET", "/vpn/v1/sessions"): (vpn_api.sessions, "vpn"),
    ("GET", "/feature/v2/frontend"): (vpn_api.feature_toggles, "optional"),
    ("POST", "/vpn/v1/certificate"): (cert_api.issue, "vpn"),
}
ALIASES = {"/vpn/logicals": "/vpn/v1/logicals", "/vpn/v2/logicals": "/vpn/v1/logicals",
           "/vpn/loads": "/vpn/v1/loads", "/vpn": "/vpn/v2", "/vpn/location": "/vpn/v1/location",
           "/vpn/sessions": "/vpn/v1/sessions", "/vpn/clientconfig": "/vpn/v2/clientconfig",
           "/vpn/certificate": "/vpn/v1/certificate"}
NO_APPVERSION = {"/core/v4/captcha", "/tests/ping"}
NO_FAULTS = {"/core/v4/captcha"}
LOOKUP = re.compile(r"^/vpn/v1/logicals/lookup/(.+)$")


def normalize(path):
    path = "/" + path.strip("/")
    if path.startswith("/api/"):
        path = path[4:]
    if path.startswith("/core/v4/auth"):
        path = path[len("/core/v4"):]
    if path == "/auth/v4" or path.startswith("/auth/v4/"):
        path = "/auth" + path[len("/auth/v4"):]
    return ALIASES.get(path, path)


def version_tuple(text):
    """'linux-vpn-cli@4.8.2+x86-64' or '4.8.2' -> (4, 8, 2); None when there is no version."""
    part = text.split("@", 1)[1] if "@" in text else text
    part = re.split(r"[+-]", part, 1)[0]
    nums = re.findall(r"\d+", part)
    return tuple(int(n) for n in nums) if nums else None


class App:
    def __init__(self, state):
        self.state = state
        self.store = store.Store(state)
        self.servers = serverlist.ServerList(state)
        pki = labstate.path(state, "pki")
        with open(labstate.path(pki, "modulus.asc")) as f:
            self.modulus_text = f.read()
        with open(labstate.path(pki, "srp-modulus-key.asc")) as f:
            key, _ = pgp.load_public_key(f.read())
        self.modulus_bytes = base64.b64decode(pgp.verify_cleartext(self.modulus_text, key))
        srp.check_modulus(srp.from_le(self.modulus_bytes))
        self._vpn_ca = (certs.load_cert(labstate.path(pki, "vpn-cert-ca.pem")),
                        certs.load_key(labstate.path(pki, "vpn-cert-ca.key")))
        self._accounts = {}
        self._lock = threading.Lock()
        self.account(labstate.lab(state)["api"]["user"])  # compute the verifier now, not on first login

    # --- account ---------------------------------------------------------------------------------------
    def account(self, name):
        api = labstate.lab(self.state)["api"]
        if not isinstance(name, str) or name.lower() != api["user"].lower():
            return None
        key = (api["user"], api["password"])
        with self._lock:
            if key not in self._accounts:
                salt = hashlib.sha256(b"pvpn-lab-salt:" + api["user"].encode()).digest()[:10]
                self._accounts[key] = {"user": api["user"], "salt": salt, "totp_secret": api["totp_secret"],
                                       "verifier": srp.verifier(api["password"], salt, self.modulus_bytes)}
            acc = dict(self._accounts[key])
        acc["totp_secret"] = api["totp_secret"]
        return acc

    def user_id(self, user):
        return base64.urlsafe_b64encode(hashlib.sha512(b"user:" + user.encode()).digest()).decode()

    def vpn_ca(self):
        return self._vpn_ca

    def access_ttl(self, req):
        ttl = req.knobs.get("access_token_ttl", 3600)
        return int(ttl) if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and ttl > 0 else 3600

    def public_url(self, req):
        host = req.header("Host")
        return "https://" + host if host else labstate.lab(self.state)["api"]["url"]

    # --- the request pipeline --------------------------------------------------------------------------
    def __call__(self, req):
        req.knobs = labstate.knobs(self.state)
        path = normalize(req.raw_path)
        if path not in NO_FAULTS:
            if self.store.rate_limited(req.knobs.get("rate_limit")):
                return httpd.error(429, 2028, "Too many recent API requests", headers={"Retry-After": "1"})
            if req.knobs.get("http_500"):
                return httpd.error(500, 500, "Internal server error (lab knob http_500)")
        if path not in NO_APPVERSION:
            appversion = req.header("x-pm-appversion")
            if not appversion:
                return httpd.error(400, 5001, "Missing x-pm-appversion header")
            minimum = req.knobs.get("min_app_version")
            if minimum:
                have, need = version_tuple(appversion), version_tuple(str(minimum))
                if need and (have is None or have < need):
                    return httpd.error(400, 5003, "This version of the app is no longer supported. "
                                                  "Please update to the latest version.")
        match = LOOKUP.match(path)
        if match and req.method == "GET":
            handler, level = (lambda app, r: vpn_api.lookup(app, r, match.group(1))), "vpn"
        elif (req.method, path) in ROUTES:
            handler, level = ROUTES[(req.method, path)]
        elif any(p == path for _, p in ROUTES):
            return httpd.error(405, 2001, "Method not allowed")
        else:
            return httpd.error(404, 404, "Not found")
        if req.body:
            try:
                req.json = json.loads(req.body)
            except ValueError:
                return httpd.error(400, 2001, "Body is not valid JSON")
        if level:
            denied = self._authenticate(req, level)
            if denied:
                return denied
        return handler(self, req)

    def _authenticate(self, req, level):
        uid = req.header("x-pm-uid")
        auth = req.header("Authorization") or ""
        access = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if level == "optional" and not (uid and access):
            return None
        if not uid or not access:
            return httpd.error(401, 401, "Missing x-pm-uid or Authorization: Bearer")
        epoch = self.store.expire_epoch(req.knobs.get("expire_session"))
        session, why = self.store.check_access(uid, access, epoch)
        if not session:
            if level == "optional":
                return None
            return httpd.error(401, 401, "Access token expired" if why == "expired" else "Invalid access token")
        req.session = session
        if level == "vpn" and "vpn" not in session["scopes"]:
            return httpd.error(403, 9100, "This session needs a second factor (or lacks the vpn scope)")
        return None
