"""Issue 6: the NAT-PMP lease and qBittorrent following the forwarded port, with the real qbittorrent-nox."""
import hashlib
import json
import os
import re
import subprocess
import time

import labtools
import proc
import qbt
from labtools import STATE, client
from pvpn_lab import init_lab_account, pvpn, status, write_lab_config

QB_URL = "http://127.0.0.1:8080"


def server(lab, name):
    return next(s for s in lab["servers"] if s["name"] == name)


def init_qb(lab, password=None, extra=()):
    q = lab["qbittorrent"]
    pvpn("init", "--qb", "--qb-url", q["url"], "--qb-user", q["user"],
         "--qb-pass", password if password is not None else q["pass"], *extra)


def qb_get(lab, path):
    """GET on qBittorrent's own API from inside pvl-client, logged in with the lab's credentials."""
    q = lab["qbittorrent"]
    jar = os.path.join(STATE, "qb-test-cookies")
    script = ('curl -s -m 3 -c {jar} --data-urlencode username={user} --data-urlencode password={pw} '
              '{url}/api/v2/auth/login >/dev/null && curl -s -m 3 -b {jar} {url}{path}'
              .format(jar=jar, user=q["user"], pw=q["pass"], url=q["url"], path=path))
    return client("sh", "-c", script, check=False, timeout=10).stdout


def qb_listen_port(lab):
    try:
        return json.loads(qb_get(lab, "/api/v2/app/preferences"))["listen_port"]
    except ValueError:
        return None


def qb_listens(port):
    """`ss -lnt` in pvl-client shows qbittorrent-nox listening on port."""
    out = client("ss", "-Hlntp").stdout
    return any(re.search(r":%d\s" % port, line) and "qbittorrent" in line for line in out.splitlines())


def reachable_from_outside(srv, port):
    """A TCP connection from the outside host to the server's exit IP reaches the client (the forward is real)."""
    code = ("import socket; socket.create_connection((%r, %d), timeout=2, source_address=(%r, 0)).close()"
            % (srv["exit_ip"], port, "198.51.100.20"))
    p = labtools.ns("pvl-inet", "/usr/bin/python3", "-c", code, check=False, timeout=10)
    return p.returncode == 0


def wait_status(pred, timeout, what):
    """Polls status.v1 every 0.1 s until pred(status) holds; returns that status."""
    end = time.monotonic() + timeout
    while True:
        st = status()
        if pred(st):
            return st
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for %s; last status:\n%s" % (what, json.dumps(st, indent=1)))
        time.sleep(0.1)


def pf_active(st):
    return st["port_forwarding"]["state"] == "active"


def qb_follows(lab, port, within):
    """qBittorrent's API says listen_port == port and it listens on it, within `within` seconds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if qb_listen_port(lab) == port and qb_listens(port):
            return True
        time.sleep(0.1)
    return False


def natpmp_requests(srv):
    """Mapping requests the server's gateway logged, as (protocol, line)."""
    try:
        with open(srv["natpmp_log"]) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    return [l for l in lines if " op=1(udp)" in l or " op=2(tcp)" in l]


def test_p2p_connect_forwards_a_port_and_qbittorrent_listens_on_it(lab, pvpnd):
    init_lab_account(lab)
    init_qb(lab)
    ch = server(lab, "CH#1")
    assert qb_listen_port(lab) == lab["qbittorrent"]["listen_port"]

    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    st = wait_status(pf_active, 10, "port forwarding to become active")
    mapped = time.monotonic()
    pf = st["port_forwarding"]
    port = ch["natpmp_default_port"]
    assert pf["port"] == port
    assert pf["protocols"] == ["udp", "tcp"]
    assert 50 <= pf["expires_in"] <= 60
    assert abs(time.time() - pf["last_renewal"]) < 10

    assert qb_follows(lab, port, 2.0), "qBittorrent did not take port %d within 2 s of the mapping" % port
    assert time.monotonic() - mapped < 2.5
    st = wait_status(lambda s: s["qbittorrent"] and s["qbittorrent"]["in_sync"], 3, "qBittorrent in sync")
    q = st["qbittorrent"]
    assert q["enabled"] and q["reachable"] and q["listen_port"] == port
    assert q["active_torrents"] == 0
    # The gateway saw TCP and UDP requests from the tunnel address only.
    reqs = natpmp_requests(ch)
    assert any("op=2(tcp)" in l for l in reqs) and any("op=1(udp)" in l for l in reqs)
    assert all("src=10.2.0.2:" in l for l in reqs)
    # The forward is real: the outside host reaches qBittorrent through the server's exit IP.
    assert reachable_from_outside(ch, port)
    human = pvpn("status").stdout
    assert re.search(r"Port forward: %d udp/tcp, expires in \d+ s, renewed \d+ s ago" % port, human), human
    assert "listen port %d (the forwarded port), in sync, 0 active torrents" % port in human, human

    pvpn("disconnect")
    assert status()["port_forwarding"]["state"] == "off"


def test_lease_is_renewed_and_qbittorrent_follows_a_new_port(lab, pvpnd):
    write_lab_config(lab, "natpmp_renew = 2\n")
    init_lab_account(lab)
    init_qb(lab)
    ch = server(lab, "CH#1")
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    port = wait_status(pf_active, 10, "port forwarding")["port_forwarding"]["port"]
    assert qb_follows(lab, port, 2.0)

    # Renewals every 2 s: the gateway sees them, the port holds, and the lease never gets close to expiring.
    before = len(natpmp_requests(ch))
    time.sleep(5)
    renewals = len(natpmp_requests(ch)) - before
    assert renewals >= 4, "only %d requests in 5 s" % renewals  # >= 2 renewals x (tcp + udp)
    st = status()["port_forwarding"]
    assert st["state"] == "active" and st["port"] == port and st["expires_in"] >= 55

    # The gateway hands out another port from the next request on: qBittorrent follows.
    new_port = port + 7
    labtools.lab("natpmp-port", ch["slug"], str(new_port))
    changed = wait_status(lambda s: s["port_forwarding"]["port"] == new_port, 4, "the new port")
    assert changed["port_forwarding"]["state"] == "active"
    assert qb_follows(lab, new_port, 2.0), "qBittorrent did not follow the new port within 2 s"
    assert reachable_from_outside(ch, new_port)
    log = pvpnd.log()
    assert "changed from %d to %d" % (port, new_port) in log


def test_qbittorrent_restart_gets_the_port_again(lab, pvpnd):
    init_lab_account(lab)
    init_qb(lab)
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    port = wait_status(pf_active, 10, "port forwarding")["port_forwarding"]["port"]
    assert qb_follows(lab, port, 2.0)

    # Restart qBittorrent with its port reset to the baseline (its config is edited while it is stopped).
    dirs = proc.Dirs(STATE)
    proc.stop(dirs, [qbt.NAME], timeout=8)
    conf = qbt.conf_path(STATE)
    with open(conf) as f:
        text = f.read()
    text = re.sub(r"(?m)^Session\\Port=.*$", "Session\\\\Port=%d" % lab["qbittorrent"]["listen_port"], text)
    with open(conf, "w") as f:
        f.write(text)
    qbt.start(dirs)
    qbt.wait_ready()
    wait_status(lambda s: s["qbittorrent"]["listen_port"] != port or not s["qbittorrent"]["in_sync"]
                or qb_listen_port(lab) == port, 10, "pvpn to notice the restart")
    assert qb_follows(lab, port, 12.0), "pvpn did not set the port again after qBittorrent restarted"
    assert "qBittorrent v" in pvpnd.log()


def test_reconnect_recreates_the_interface_and_qbittorrent_listens_again(lab, pvpnd):
    """qBittorrent bound to the tunnel keeps a dead socket when the interface is recreated: pvpn must notice."""
    init_lab_account(lab)
    init_qb(lab, extra=("--qb-bind-interface", "true"))
    ch = server(lab, "CH#1")
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    port = wait_status(pf_active, 10, "port forwarding")["port_forwarding"]["port"]
    assert qb_follows(lab, port, 2.0)
    assert reachable_from_outside(ch, port)
    prefs = json.loads(qb_get(lab, "/api/v2/app/preferences"))
    assert prefs["current_network_interface"] == "wgpch"

    pvpn("disconnect")
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")  # a new wgpch, same forwarded port
    wait_status(lambda s: pf_active(s) and s["qbittorrent"]["in_sync"], 10, "port forwarding and qBittorrent")
    assert reachable_from_outside(ch, port), "qBittorrent does not accept connections after the reconnect"


def test_non_p2p_server_connects_and_says_port_forwarding_is_unavailable(lab, pvpnd):
    init_lab_account(lab)
    init_qb(lab)
    r = pvpn("connect", "--cc", "US", "--fastest", "api")
    assert "US#3" in r.stdout
    st = wait_status(lambda s: s["port_forwarding"]["state"] == "unavailable", 5, "port forwarding unavailable")
    assert st["state"] == "connected"
    assert "port forwarding unavailable on this server" in st["port_forwarding"]["message"]
    assert st["port_forwarding"]["port"] is None
    assert "port forwarding unavailable on this server" in pvpnd.log()
    # qBittorrent gets [qbittorrent] port while no forwarded port is known.
    assert qb_follows(lab, 6881, 3.0)
    assert labtools.whoami("pvl-client", lab["behind_ip"], timeout=5)


def test_wrong_qbittorrent_password_is_a_warning_and_the_tunnel_stays_up(lab, pvpnd):
    init_lab_account(lab)
    init_qb(lab, password="not-the-password")
    ch = server(lab, "CH#1")
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    st = wait_status(lambda s: pf_active(s) and s["qbittorrent"] and "refused" in s["qbittorrent"]["message"],
                     10, "the qBittorrent warning")
    assert st["state"] == "connected"
    assert st["qbittorrent"]["in_sync"] is False
    assert any("wrong user name or password" in w for w in st["warnings"])
    assert "wrong user name or password" in pvpn("status").stdout
    assert labtools.whoami("pvl-client", lab["behind_ip"], timeout=5)
    # pvpn does not hammer the login (qBittorrent bans an address after 5 failures).
    time.sleep(6)
    assert qb_listen_port(lab) == lab["qbittorrent"]["listen_port"], "lab credentials no longer work: banned?"
    assert status()["port_forwarding"]["port"] == ch["natpmp_default_port"]


def test_webui_down_is_a_warning_and_the_lease_goes_on(lab, pvpnd):
    init_lab_account(lab)
    pvpn("init", "--qb", "--qb-url", "http://127.0.0.1:8099", "--qb-user", "admin", "--qb-pass", "x")
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    st = wait_status(lambda s: pf_active(s) and s["qbittorrent"] and s["qbittorrent"]["reachable"] is False,
                     10, "qBittorrent unreachable")
    assert "unreachable" in st["qbittorrent"]["message"]
    assert st["state"] == "connected"


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, str):
        return bencode(v.encode())
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)


def make_torrent(path, name):
    """A private single-file torrent for 64 KiB of data nobody has (no tracker: it stays quiet)."""
    piece = 16384
    pieces = b"".join(hashlib.sha1(os.urandom(16)).digest() for _ in range(4))
    info = {"name": name, "length": 4 * piece, "piece length": piece, "pieces": pieces, "private": 1}
    with open(path, "wb") as f:
        f.write(bencode({"info": info, "created by": "pvpn lab"}))


def qb_torrent_states(lab):
    try:
        return {t["name"]: t["state"] for t in json.loads(qb_get(lab, "/api/v2/torrents/info"))}
    except ValueError:
        return {}


def test_paused_torrents_are_resumed_after_the_port_is_set(lab, pvpnd):
    q = lab["qbittorrent"]
    torrent = os.path.join(STATE, "pvpn-resume-test.torrent")
    make_torrent(torrent, "pvpn-resume-test")
    jar = os.path.join(STATE, "qb-test-cookies")
    add = ('curl -s -m 3 -c {jar} --data-urlencode username={user} --data-urlencode password={pw} '
           '{url}/api/v2/auth/login >/dev/null && curl -s -m 5 -b {jar} -F torrents=@{t} -F paused=true '
           '-F savepath={dl} {url}/api/v2/torrents/add'
           .format(jar=jar, user=q["user"], pw=q["pass"], url=q["url"], t=torrent, dl=q["downloads"]))
    assert client("sh", "-c", add, timeout=15).stdout.strip() == "Ok."
    end = time.monotonic() + 15  # first "checkingResumeData", then "pausedDL"
    while not qb_torrent_states(lab).get("pvpn-resume-test", "").startswith("paused"):
        assert time.monotonic() < end, "qBittorrent did not add the torrent paused: %s" % qb_torrent_states(lab)
        time.sleep(0.2)

    init_lab_account(lab)
    init_qb(lab)
    pvpn("connect", "--cc", "CH", "--p2p", "--fastest", "api")
    wait_status(pf_active, 10, "port forwarding")
    # Nothing downloads, so within 2 minutes of setting the port pvpn resumes it (4.5.2: torrents/resume).
    end = time.monotonic() + 120
    while qb_torrent_states(lab)["pvpn-resume-test"].startswith("paused"):
        assert time.monotonic() < end, "the paused torrent was not resumed: %s" % qb_torrent_states(lab)
        time.sleep(0.5)
    assert not qb_torrent_states(lab)["pvpn-resume-test"].startswith("paused")
