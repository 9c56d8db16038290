"""VPN endpoints (proton-api.md section 3): logicals, loads, account (/vpn/v2), clientconfig, location,
sessions, feature toggles and the ping health check."""
import httpd
import labstate


def _accepts_gzip(req):
    return "gzip" in (req.header("Accept-Encoding") or "").lower()


def _list_response(req, body, last_modified, gz):
    headers = {"Last-Modified": last_modified}
    if gz:
        headers["Content-Encoding"] = "gzip"
    return httpd.Response(200, body=body, headers=headers)


def logicals(app, req):
    app.servers.refresh(req.knobs)
    if not app.servers.modified_since(req.header("If-Modified-Since")):
        return httpd.Response(304, body=b"", headers={"Last-Modified": app.servers.http_date()}, faults=False)
    gz = _accepts_gzip(req)
    body, last_modified = app.servers.logicals(req.knobs, req.query.get("SecureCoreFilter"), gz)
    return _list_response(req, body, last_modified, gz)


def lookup(app, req, name):
    logical = app.servers.lookup(req.knobs, name)
    if not logical:
        return httpd.error(422, 2501, "Server not found")
    return httpd.Response(200, {"Code": 1000, "LogicalServer": logical})


def loads(app, req):
    gz = _accepts_gzip(req)
    body, last_modified = app.servers.loads(req.knobs, gz)
    return _list_response(req, body, last_modified, gz)


def account(app, req):
    user = req.session["user"]
    return httpd.Response(200, {
        "Code": 1000,
        "VPN": {"ExpirationTime": 0, "Name": user + "-openvpn", "Password": "lab-openvpn-password",
                "GroupID": "lab-group", "Status": 1, "PlanName": "vpn2022", "PlanTitle": "VPN Plus",
                "MaxTier": 2, "MaxConnect": 10, "Groups": ["vpnplus"], "NeedConnectionAllocation": False},
        "Services": 4, "Subscribed": 4, "Delinquent": 0, "HasPaymentMethod": 1, "Credit": 0, "Currency": "EUR",
        "Warnings": []})


def client_config(app, req):
    return httpd.Response(200, {
        "Code": 1000,
        "DefaultPorts": {"OpenVPN": {"UDP": [80, 51820, 4569, 1194, 5060], "TCP": [443, 7770, 8443]},
                         "WireGuard": {"UDP": [443, 88, 1224, 51820, 500, 4500], "TCP": [443], "TLS": [443]}},
        "HolesIPs": ["62.112.9.168", "104.245.144.186"],
        "ServerRefreshInterval": 10,
        "FeatureFlags": {"NetShield": True, "GuestHoles": False, "ServerRefresh": True,
                         "StreamingServicesLogos": True, "PortForwarding": True, "ModerateNAT": True,
                         "SafeMode": False, "StartConnectOnBoot": True, "PollNotificationAPI": True,
                         "VpnAccelerator": True, "SmartReconnect": True, "PromoCode": False, "WireGuardTls": True,
                         "Telemetry": False, "NetShieldStats": True},
        "SmartProtocol": {"OpenVPN": True, "IKEv2": False, "WireGuard": True, "WireGuardTCP": True,
                          "WireGuardTLS": True},
        "RatingSettings": {"EligiblePlans": [], "SuccessConnections": 3, "DaysLastReviewPassed": 100,
                           "DaysConnected": 3, "DaysFromFirstConnection": 3},
    })


def location(app, req):
    lab = labstate.lab(app.state)
    ip, country = req.client_ip, labstate.HOME_COUNTRY
    for s in lab.get("servers", []):
        if req.client_ip in (s.get("exit_ip"), s.get("entry_ip")):
            country = s.get("exit_country", country)
    return httpd.Response(200, {"Code": 1000, "IP": ip, "Country": country, "ISP": "Lab Telecom",
                                "Lat": 48.86, "Long": 2.35})


def sessions(app, req):
    out = [{"SessionID": s["UID"], "ExitIP": "", "Protocol": "WireGuard"} for s in app.store.sessions_of(req.session["user"])]
    return httpd.Response(200, {"Code": 1000, "Sessions": out})


def feature_toggles(app, req):
    return httpd.Response(200, {"Code": 1000, "toggles": [
        {"name": "TimestampedLogicals", "enabled": True, "impressionData": False,
         "variant": {"name": "disabled", "enabled": False}}]})


def ping(app, req):
    return httpd.Response(200, {"Code": 1000})
