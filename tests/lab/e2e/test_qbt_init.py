"""Issue 6: `pvpn init --qb` enables qBittorrent's WebUI in qbittorrent-nox's own qBittorrent.conf.

The proof is the real qbittorrent-nox 4.5.2: started with the written config, it accepts a login with the
credentials given to pvpn (and pvpnd then sets its port with them).
"""
import json
import os
import re
import time

import proc
import qbt
from labtools import STATE, client
from pvpn_lab import init_lab_account, pvpn, status

USER, PASS = "pvpnuser", "s3cret pass"


def login(url, user, password):
    """qBittorrent's own answer to a WebUI login: "Ok." or "Fails."."""
    return client("curl", "-s", "-m", "3", "--data-urlencode", "username=" + user, "--data-urlencode",
                  "password=" + password, url + "/api/v2/auth/login", check=False, timeout=10).stdout.strip()


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def init_qb(url, conf):
    return pvpn("init", "--qb", "--qb-url", url, "--qb-user", USER, "--qb-pass", PASS, "--qb-conf", conf,
                check=False)


def test_init_qb_enables_the_webui_and_qbittorrent_accepts_the_login(lab, pvpnd):
    q = lab["qbittorrent"]
    dirs = proc.Dirs(STATE)
    conf = qbt.conf_path(STATE)
    # A qbittorrent-nox whose WebUI was never set up: no user name, no password.
    proc.stop(dirs, [qbt.NAME], timeout=8)
    write(conf, re.sub(r"(?m)^WebUI\\(Username|Password_PBKDF2)=.*\n", "", read(conf)))
    qbt.start(dirs)
    qbt.wait_ready()

    # While it runs pvpn refuses: qbittorrent-nox would write its old settings back when it exits.
    r = init_qb(q["url"], conf)
    assert r.returncode == 15, r.stdout + r.stderr
    assert "qbittorrent-nox is running" in r.stderr
    proc.stop(dirs, [qbt.NAME], timeout=8)
    before = read(conf)
    assert USER not in before and "Password_PBKDF2" not in before

    r = init_qb(q["url"], conf)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Restart qbittorrent-nox once" in r.stderr
    text = read(conf)
    assert "WebUI\\Username=%s\n" % USER in text
    assert re.search(r'(?m)^WebUI\\Password_PBKDF2="@ByteArray\([A-Za-z0-9+/=]{24}:[A-Za-z0-9+/=]{88}\)"$', text)
    assert PASS not in text
    assert "[LegalNotice]\nAccepted=true" in text  # the rest of the file is kept

    qbt.start(dirs)
    qbt.wait_ready()
    assert login(q["url"], USER, PASS) == "Ok."
    assert login(q["url"], USER, "wrong") == "Fails."

    # pvpnd logs in with the same credentials and sets the forwarded port.
    init_lab_account(lab)
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    end = time.monotonic() + 15
    while not (status()["qbittorrent"] or {}).get("in_sync"):
        assert time.monotonic() < end, json.dumps(status(), indent=1)
        time.sleep(0.2)
    assert status()["qbittorrent"]["listen_port"] == status()["port_forwarding"]["port"]


def test_init_qb_leaves_a_webui_that_is_set_up_alone(lab, pvpnd):
    q = lab["qbittorrent"]
    conf = qbt.conf_path(STATE)
    before = read(conf)
    r = init_qb(q["url"], conf)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "already set up" in r.stderr
    assert read(conf) == before
    assert login(q["url"], q["user"], q["pass"]) == "Ok."


def test_init_qb_refuses_a_path_that_is_not_a_qbittorrent_conf(lab, pvpnd):
    q = lab["qbittorrent"]
    other = os.path.join(STATE, "not-qbittorrent.conf")
    r = pvpn("init", "--qb", "--qb-url", q["url"], "--qb-user", USER, "--qb-pass", PASS, "--qb-conf", other,
             check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "named qBittorrent.conf" in r.stderr
    assert not os.path.exists(other)
