"""Auth endpoints (proton-api.md section 1): /auth/info, /auth, /auth/2fa, /auth/refresh, DELETE /auth,
/auth/sessions (unauthenticated session), /auth/modulus, and the human-verification captcha page."""
import base64
import binascii
import hashlib
import html

import httpd
import srp
import totp

FULL_SCOPES = ["full", "self", "payments", "keys", "parent", "user", "loggedin", "nondelinquent",
               "verified", "settings", "vpn"]
TWO_FACTOR_SCOPES = ["twofactor"]
MAX_2FA_TRIES = 3


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _unb64(value):
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        return b""


def two_fa_object(enabled):
    return {"Enabled": 1 if enabled else 0, "TOTP": 1 if enabled else 0,
            "FIDO2": {"AuthenticationOptions": None, "RegisteredKeys": []}}


def token_fields(app, s, ttl):
    return {"UID": s["UID"], "AccessToken": s["AccessToken"], "RefreshToken": s["RefreshToken"],
            "TokenType": "Bearer", "ExpiresIn": ttl, "Scopes": s["scopes"], "Scope": " ".join(s["scopes"])}


def info(app, req):
    body = req.json if isinstance(req.json, dict) else {}
    name = body.get("Username")
    if not isinstance(name, str) or not name:
        return httpd.error(422, 2001, "Username is required")
    account = app.account(name)
    if account:
        salt, verifier, canonical = account["salt"], account["verifier"], account["user"]
    else:  # unknown user: plausible parameters, the proof will fail with 8002
        salt = hashlib.sha256(b"unknown:" + name.encode()).digest()[:10]
        verifier, canonical = int.from_bytes(hashlib.sha512(b"v" + salt).digest(), "little"), name
    server = srp.ServerSession(app.modulus_bytes, verifier)
    sid = app.store.srp_put(canonical.lower(), server)
    need_2fa = bool(req.knobs.get("require_2fa")) and account is not None
    return httpd.Response(200, {"Code": 1000, "Version": 4, "Modulus": app.modulus_text,
                                "ServerEphemeral": _b64(server.ephemeral()), "Salt": _b64(salt),
                                "SRPSession": sid, "Username": canonical, "2FA": two_fa_object(need_2fa)})


def _human_verification(app, req):
    """None if the request may go on, else the 422 response."""
    if not req.knobs.get("human_verification"):
        return None
    offered = req.header("x-pm-human-verification-token")
    kind = (req.header("x-pm-human-verification-token-type") or "").split(",")
    if offered and "captcha" in [k.strip() for k in kind] and app.store.hv_consume(offered):
        return None
    code, msg = (12087, "Invalid verification token") if offered else (9001, "Human verification required")
    tok = app.store.hv_new()
    return httpd.error(422, code, msg, {"HumanVerificationToken": tok, "HumanVerificationMethods": ["captcha"],
                                        "Title": "Human verification", "Direct": 1,
                                        "Description": "Open %s/core/v4/captcha?Token=%s" % (app.public_url(req), tok)})


def auth(app, req):
    body = req.json if isinstance(req.json, dict) else {}
    hv = _human_verification(app, req)
    if hv:
        return hv
    sid = body.get("SRPSession")
    entry = app.store.srp_get(sid) if isinstance(sid, str) else None
    if not entry:
        return httpd.error(422, 2001, "Invalid or expired SRPSession: start again with /auth/info")
    username, server, _ = entry
    if str(body.get("Username", username)).lower() != username:
        return httpd.error(422, 2001, "Username does not match the SRP session")
    app.store.srp_drop(sid)
    m2 = server.verify(_unb64(body.get("ClientEphemeral")), _unb64(body.get("ClientProof")))
    account = app.account(username)
    if m2 is None or account is None:
        return httpd.error(422, 8002, "Incorrect login credentials. Please try again.")
    need_2fa = bool(req.knobs.get("require_2fa"))
    code = body.get("TwoFactorCode")
    passed = need_2fa and isinstance(code, str) and totp.check(account["totp_secret"], code)
    scopes = TWO_FACTOR_SCOPES if need_2fa and not passed else FULL_SCOPES
    ttl = app.access_ttl(req)
    s = app.store.new_session(account["user"], list(scopes), ttl, second_factor=bool(passed))
    out = {"Code": 1000, "ServerProof": _b64(m2), "UserID": app.user_id(account["user"]), "EventID": "lab-event-0",
           "LocalID": 0, "PasswordMode": 1, "TwoFactor": 1 if need_2fa else 0, "2FA": two_fa_object(need_2fa)}
    out.update(token_fields(app, s, ttl))
    return httpd.Response(200, out)


def two_factor(app, req):
    body = req.json if isinstance(req.json, dict) else {}
    s = req.session
    account = app.account(s["user"])
    code = body.get("TwoFactorCode")
    if account and isinstance(code, str) and totp.check(account["totp_secret"], code):
        s = app.store.update(s["UID"], scopes=list(FULL_SCOPES), second_factor=True)
        return httpd.Response(200, {"Code": 1000, "Scopes": s["scopes"], "Scope": " ".join(s["scopes"])})
    tries = s.get("bad_2fa", 0) + 1
    if tries >= MAX_2FA_TRIES:
        app.store.delete(s["UID"])
    else:
        app.store.update(s["UID"], bad_2fa=tries)
    return httpd.error(401, 8002, "Incorrect code. Please try again.")


def refresh(app, req):
    body = req.json if isinstance(req.json, dict) else {}
    if body.get("GrantType") != "refresh_token" or body.get("ResponseType", "token") != "token":
        return httpd.error(422, 2001, "GrantType must be refresh_token and ResponseType token")
    uid = req.header("x-pm-uid") or body.get("UID")
    if req.knobs.get("refresh_invalid"):
        if uid:
            app.store.delete(uid)
        return httpd.error(400, 10013, "Invalid refresh token")
    ttl = app.access_ttl(req)
    s = app.store.refresh(uid, body.get("RefreshToken"), ttl)
    if not s:
        return httpd.error(400, 10013, "Invalid refresh token")
    out = {"Code": 1000}
    out.update(token_fields(app, s, ttl))
    return httpd.Response(200, out)


def logout(app, req):
    app.store.delete(req.session["UID"])
    return httpd.Response(200, {"Code": 1000})


def unauth_session(app, req):
    ttl = app.access_ttl(req)
    s = app.store.new_session(None, [], ttl, authenticated=False)
    out = {"Code": 1000}
    out.update(token_fields(app, s, ttl))
    return httpd.Response(200, out)


def modulus(app, req):
    return httpd.Response(200, {"Code": 1000, "Modulus": app.modulus_text, "ModulusID": "lab-modulus-1"})


def captcha(app, req):
    tok = req.query.get("Token", "")
    solved = app.store.hv_solve(tok)
    text = ("Human verification solved. You can now retry with this token." if solved
            else "Unknown or expired verification token.")
    page = ("<!doctype html><html><head><title>Proton lab captcha</title></head><body><h1>%s</h1>"
            "<p>Token: <code>%s</code></p></body></html>" % (html.escape(text), html.escape(tok)))
    return httpd.Response(200 if solved else 404, body=page.encode(), content_type="text/html; charset=utf-8",
                          faults=False)
