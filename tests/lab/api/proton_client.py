"""A small Proton API client written from docs/proton-api.md (SRP login, 2FA, refresh, certificate).
Used by the tests and the lab self-test; it shares no code with pvpn."""
import base64
import http.client
import json
import socket
import ssl
from urllib.parse import urlsplit

import pgp
import srp
import totp

APP_VERSION = "linux-vpn-cli@4.8.2+x86-64"
USER_AGENT = "ProtonVPN/4.8.2 (Linux; debian/12)"


class ApiError(Exception):
    def __init__(self, status, body):
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.code = self.body.get("Code")
        super().__init__("HTTP %s Code %s: %s" % (status, self.code, self.body.get("Error", body)))


class _Connection(http.client.HTTPSConnection):
    def __init__(self, host, port, context, timeout, connect_to):
        super().__init__(host, port, context=context, timeout=timeout)
        self.connect_to = connect_to

    def connect(self):
        sock = socket.create_connection(self.connect_to or (self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class ApiClient:
    def __init__(self, url, ca_file, connect_to=None, app_version=APP_VERSION, timeout=30):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 443
        self.ctx = ssl.create_default_context(cafile=ca_file)
        self.connect_to, self.timeout = connect_to, timeout
        self.app_version = app_version
        self.uid = self.access = self.refresh_token = None
        self.scopes = []

    def raw(self, method, path, body=None, headers=None, auth=True):
        """-> (status, response headers, decoded JSON or raw bytes)."""
        h = {"User-Agent": USER_AGENT, "Accept": "application/vnd.protonmail.v1+json"}
        if self.app_version:
            h["x-pm-appversion"] = self.app_version
        if auth and self.uid:
            h["x-pm-uid"] = self.uid
            h["Authorization"] = "Bearer " + self.access
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        conn = _Connection(self.host, self.port, self.ctx, self.timeout, self.connect_to)
        try:
            conn.request(method, path, data, h)
            resp = conn.getresponse()
            payload = resp.read()
            rheaders = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        if rheaders.get("content-encoding") == "gzip":
            import gzip
            payload = gzip.decompress(payload)
        if "json" in rheaders.get("content-type", ""):
            try:
                payload = json.loads(payload)
            except ValueError:
                pass
        return resp.status, rheaders, payload

    def call(self, method, path, body=None, headers=None, auth=True):
        status, _, payload = self.raw(method, path, body, headers, auth)
        if status != 200 or not isinstance(payload, dict) or payload.get("Code") not in (1000, 1001):
            raise ApiError(status, payload)
        return payload

    def _take_tokens(self, r):
        self.uid = r.get("UID", self.uid)
        self.access, self.refresh_token = r["AccessToken"], r["RefreshToken"]
        self.scopes = r.get("Scopes", self.scopes)

    def login(self, username, password, modulus_key, totp_secret=None, hv_headers=None):
        """SRP login; modulus_key is a pgp.PublicKey or pgp.PinnedKey that must have signed the modulus."""
        info = self.call("POST", "/auth/info", {"Username": username}, auth=False)
        modulus = base64.b64decode(pgp.verify_cleartext(info["Modulus"], modulus_key))
        if info["Version"] not in (3, 4):
            raise ValueError("unsupported auth version")
        session = srp.ClientSession(modulus)
        proof = session.proof(password, base64.b64decode(info["Salt"]), base64.b64decode(info["ServerEphemeral"]))
        body = {"Username": username, "ClientEphemeral": base64.b64encode(session.ephemeral()).decode(),
                "ClientProof": base64.b64encode(proof).decode(), "SRPSession": info["SRPSession"]}
        r = self.call("POST", "/auth", body, headers=hv_headers, auth=False)
        if not session.check_server(base64.b64decode(r["ServerProof"])):
            raise ValueError("server proof mismatch")
        self._take_tokens(r)
        if "twofactor" in self.scopes and "vpn" not in self.scopes:
            if not totp_secret:
                return r
            r2 = self.call("POST", "/auth/2fa", {"TwoFactorCode": totp.now_code(totp_secret)})
            self.scopes = r2["Scopes"]
        return r

    def refresh(self):
        r = self.call("POST", "/auth/refresh", {"ResponseType": "token", "GrantType": "refresh_token",
                                                "RefreshToken": self.refresh_token,
                                                "RedirectURI": "http://protonmail.ch"})
        self._take_tokens(r)
        return r

    def certificate(self, ed25519_public_pem, features=None, duration="1440 min", mode=None):
        body = {"ClientPublicKey": ed25519_public_pem, "ClientPublicKeyMode": "EC", "Duration": duration}
        if mode:
            body["Mode"] = mode
        if features:
            body["Features"] = features
        return self.call("POST", "/vpn/v1/certificate", body)
