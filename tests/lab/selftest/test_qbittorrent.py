"""qbittorrent-nox runs in pvl-client with the lab's WebUI credentials and baseline config."""
import json

from labtools import client


def curl(*args):
    return client("curl", "-s", "--max-time", "5", *args, timeout=15).stdout


def test_webui_login_with_lab_credentials(lab):
    qb = lab["qbittorrent"]
    url = qb["url"] + "/api/v2/auth/login"
    assert curl("-d", "username=%s&password=wrong" % qb["user"], url) == "Fails."
    out = client("curl", "-s", "-i", "--max-time", "5", "-d",
                 "username=%s&password=%s" % (qb["user"], qb["pass"]), url).stdout
    assert out.rstrip().endswith("Ok.") and "SID=" in out


def test_webui_requires_auth_and_has_baseline_preferences(lab):
    qb = lab["qbittorrent"]
    assert curl("-o", "/dev/null", "-w", "%{http_code}", qb["url"] + "/api/v2/app/version") == "403"
    jar = "/tmp/pvl-selftest-qb.cookies"
    curl("-c", jar, "-d", "username=%s&password=%s" % (qb["user"], qb["pass"]),
         qb["url"] + "/api/v2/auth/login")
    prefs = json.loads(curl("-b", jar, qb["url"] + "/api/v2/app/preferences"))
    assert prefs["listen_port"] == qb["listen_port"]
    assert prefs["upnp"] is False and prefs["web_ui_address"] == "127.0.0.1"
    assert prefs["bypass_local_auth"] is False
    client("rm", "-f", jar)
