"""Login, 2FA, tokens, refresh, expiry, human verification, rate limiting and app-version checks."""
import base64
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import proton_client as api_client
import srp
import totp

TOTP = "JBSWY3DPEHPK3PXP"


def test_login_and_vpn_call(lab):
    c = lab.login()
    assert "vpn" in c.scopes
    r = c.call("GET", "/vpn/v2")
    assert r["VPN"]["MaxTier"] == 2 and r["VPN"]["PlanName"]


def test_auth_response_fields(lab):
    c = lab.client()
    info = c.call("POST", "/auth/info", {"Username": "labuser"}, auth=False)
    assert info["Version"] == 4 and len(base64.b64decode(info["Salt"])) == 10
    assert len(base64.b64decode(info["ServerEphemeral"])) == 256
    assert info["Modulus"].startswith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n")
    r = c.login("labuser", "labpass", lab.modulus_key())
    for field in ("UID", "AccessToken", "RefreshToken", "ServerProof", "UserID", "EventID"):
        assert r[field]
    assert r["TokenType"] == "Bearer" and r["ExpiresIn"] == 3600 and r["PasswordMode"] == 1
    assert r["2FA"]["Enabled"] == 0 and r["TwoFactor"] == 0 and "vpn" in r["Scopes"]


def test_v4_and_core_spellings(lab):
    c = lab.client()
    for path in ("/auth/v4/info", "/core/v4/auth/info", "/api/auth/info"):
        assert c.call("POST", path, {"Username": "labuser"}, auth=False)["Version"] == 4


def test_wrong_password_8002(lab):
    with pytest.raises(api_client.ApiError) as err:
        lab.client().login("labuser", "nope", lab.modulus_key())
    assert err.value.status == 422 and err.value.code == 8002


def test_unknown_user_8002(lab):
    with pytest.raises(api_client.ApiError) as err:
        lab.client().login("nobody", "labpass", lab.modulus_key())
    assert err.value.code == 8002


def test_wrong_proof_then_session_is_gone(lab):
    c = lab.client()
    info = c.call("POST", "/auth/info", {"Username": "labuser"}, auth=False)
    modulus = base64.b64decode(info["Modulus"].split("\n")[3])
    s = srp.ClientSession(modulus)
    body = {"Username": "labuser", "ClientEphemeral": base64.b64encode(s.ephemeral()).decode(),
            "ClientProof": base64.b64encode(bytes(256)).decode(), "SRPSession": info["SRPSession"]}
    status, _, r = c.raw("POST", "/auth", body, auth=False)
    assert (status, r["Code"]) == (422, 8002)
    status, _, r = c.raw("POST", "/auth", body, auth=False)
    assert r["Code"] == 2001  # the SRP session was used up


def test_two_factor(lab):
    lab.knobs(require_2fa=True)
    c = lab.client()
    r = c.login("labuser", "labpass", lab.modulus_key())
    assert r["Scopes"] == ["twofactor"] and r["2FA"]["Enabled"] == 1
    status, _, body = c.raw("GET", "/vpn/v1/logicals")
    assert (status, body["Code"]) == (403, 9100)
    status, _, body = c.raw("POST", "/auth/2fa", {"TwoFactorCode": "000000" if totp.now_code(TOTP) != "000000" else "111111"})
    assert (status, body["Code"]) == (401, 8002)
    r = c.call("POST", "/auth/2fa", {"TwoFactorCode": totp.now_code(TOTP)})
    assert "vpn" in r["Scopes"]
    assert c.call("GET", "/vpn/v2")["Code"] == 1000


def test_two_factor_code_inside_auth(lab):
    lab.knobs(require_2fa=True)
    c = lab.login(totp_secret=TOTP)
    assert "vpn" in c.scopes


def test_refresh_rotates_tokens(lab):
    c = lab.login()
    old_access, old_refresh = c.access, c.refresh_token
    c.refresh()
    assert c.access != old_access and c.refresh_token != old_refresh
    assert c.call("GET", "/vpn/v2")["Code"] == 1000
    # the old refresh token is dead
    status, _, r = c.raw("POST", "/auth/refresh", {"ResponseType": "token", "GrantType": "refresh_token",
                                                   "RefreshToken": old_refresh, "RedirectURI": "http://protonmail.ch"})
    assert (status, r["Code"]) == (400, 10013)
    # and so is the old access token
    c2 = lab.client()
    c2.uid, c2.access = c.uid, old_access
    assert c2.raw("GET", "/vpn/v2")[0] == 401


def test_refresh_invalid_knob(lab):
    c = lab.login()
    lab.knobs(refresh_invalid=True)
    with pytest.raises(api_client.ApiError) as err:
        c.refresh()
    assert (err.value.status, err.value.code) == (400, 10013)
    lab.knobs()
    assert c.raw("GET", "/vpn/v2")[0] == 401  # the session is gone: full login needed


def test_access_token_ttl(lab):
    lab.knobs(access_token_ttl=1)
    c = lab.login()
    assert c.call("GET", "/vpn/v2")
    time.sleep(1.5)
    status, _, r = c.raw("GET", "/vpn/v2")
    assert (status, r["Code"]) == (401, 401)
    c.refresh()
    assert c.call("GET", "/vpn/v2")["Code"] == 1000


def test_expire_session_knob(lab):
    c = lab.login()
    lab.knobs(expire_session=True)
    assert c.raw("GET", "/vpn/v2")[0] == 401
    assert c.raw("GET", "/vpn/v2")[0] == 401
    c.refresh()
    assert c.call("GET", "/vpn/v2")["Code"] == 1000  # new tokens work while the knob stays on


def test_missing_auth_headers(lab):
    c = lab.client()
    status, _, r = c.raw("GET", "/vpn/v1/logicals")
    assert (status, r["Code"]) == (401, 401)


def test_human_verification(lab):
    lab.knobs(human_verification=True)
    c = lab.client()
    with pytest.raises(api_client.ApiError) as err:
        c.login("labuser", "labpass", lab.modulus_key())
    assert (err.value.status, err.value.code) == (422, 9001)
    details = err.value.body["Details"]
    assert details["HumanVerificationMethods"] == ["captcha"]
    tok = details["HumanVerificationToken"]
    hv = {"x-pm-human-verification-token": tok, "x-pm-human-verification-token-type": "captcha"}
    with pytest.raises(api_client.ApiError) as err:  # not solved yet
        c.login("labuser", "labpass", lab.modulus_key(), hv_headers=hv)
    assert err.value.code == 12087
    tok = err.value.body["Details"]["HumanVerificationToken"]
    status, headers, page = c.raw("GET", "/core/v4/captcha?Token=" + tok, auth=False)
    assert status == 200 and b"solved" in page and headers["content-type"].startswith("text/html")
    hv["x-pm-human-verification-token"] = tok
    c.login("labuser", "labpass", lab.modulus_key(), hv_headers=hv)
    assert "vpn" in c.scopes


def test_rate_limit(lab):
    c = lab.client()
    lab.knobs(rate_limit=2)
    for _ in range(2):
        status, headers, r = c.raw("GET", "/tests/ping")
        assert status == 429 and headers["retry-after"] == "1" and r["Code"] == 2028
    assert c.raw("GET", "/tests/ping")[0] == 200
    assert c.raw("GET", "/tests/ping")[0] == 200


def test_app_version(lab):
    c = lab.client(app_version=None)
    status, _, r = c.raw("POST", "/auth/info", {"Username": "labuser"})
    assert (status, r["Code"]) == (400, 5001)
    lab.knobs(min_app_version="4.9.0")
    status, _, r = lab.client().raw("POST", "/auth/info", {"Username": "labuser"})
    assert (status, r["Code"]) == (400, 5003)
    assert lab.client(app_version="linux-vpn-cli@4.10.1+x86-64").raw(
        "POST", "/auth/info", {"Username": "labuser"})[0] == 200


def test_logout(lab):
    c = lab.login()
    assert c.call("DELETE", "/auth")["Code"] == 1000
    assert c.raw("GET", "/vpn/v2")[0] == 401
    assert c.raw("DELETE", "/auth")[0] == 401


def test_unauth_session_then_login(lab):
    c = lab.client()
    r = c.call("POST", "/auth/v4/sessions", auth=False)
    assert r["UID"] and r["Scopes"] == []
    c.login("labuser", "labpass", lab.modulus_key())
    assert "vpn" in c.scopes


def test_unknown_route_and_bad_json(lab):
    c = lab.login()
    assert c.raw("GET", "/no/such/thing")[0] == 404
    status, _, r = c.raw("POST", "/auth/info", None, headers={"Content-Type": "application/json"})
    assert status == 422
    import http.client
    conn = api_client._Connection(c.host, c.port, c.ctx, 10, c.connect_to)
    conn.request("POST", "/auth/info", b"{nope", {"x-pm-appversion": api_client.APP_VERSION})
    resp = conn.getresponse()
    assert resp.status == 400
    conn.close()


def test_many_concurrent_clients(lab):
    c = lab.login()

    def one(i):
        return c.raw("GET", "/vpn/v1/loads" if i % 2 else "/tests/ping")[0]

    with ThreadPoolExecutor(max_workers=40) as pool:
        assert set(pool.map(one, range(200))) == {200}


def test_concurrent_logins(lab):
    def one(_):
        return "vpn" in lab.login().scopes

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(one, range(16)))


def test_sessions_survive_an_api_restart(lab):
    """`scripts/lab api down|up` must not log everybody out: a second server on the same state dir
    accepts the tokens the first one issued."""
    import conftest
    c = lab.login()
    port = conftest.free_port()
    c2 = api_client.ApiClient("https://%s:%d" % (conftest.API_HOST, port),
                              os.path.join(lab.state, "pki", "api-ca.pem"), connect_to=("127.0.0.1", port))
    proc = lab.start(["server.py", "--state", lab.state, "--listen", "127.0.0.1:%d" % port],
                     lambda: c2.raw("GET", "/tests/ping")[0] == 200)
    try:
        c2.uid, c2.access, c2.refresh_token = c.uid, c.access, c.refresh_token
        assert c2.call("GET", "/vpn/v2")["Code"] == 1000
        c2.refresh()
        assert c2.call("GET", "/vpn/v2")["Code"] == 1000
    finally:
        proc.terminate()
        proc.wait(10)
