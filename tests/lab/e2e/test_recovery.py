"""Issue 7: the health monitor and automatic recovery, in the lab, checked as a user would see it.

Short monitor settings keep the tests quick: a check every second, three bad ones reconnect, 300 ms is
too slow, and a backoff never waits more than 4 s.
"""
import json
import os
import re
import signal
import subprocess
import time

import labtools
from labtools import STATE, whoami
from pvpn_lab import CLIENT, SOCKET, Pvpnd, binary, init_lab_account, pvpn, status, write_lab_config
from test_portfwd import init_qb, pf_active, qb_follows, reachable_from_outside, server, wait_status

INTERVAL, FAILURES = 1, 3
MONITOR = "\n[monitor]\ninterval = %d\nfailures = %d\nlatency_threshold = 300\nbackoff_max = 4\n" % (INTERVAL, FAILURES)
# One connect: at most three servers, each with a 5 s handshake wait, plus the API and the port.
ONE_CONNECT = 20
NOTICE_AND_MOVE = INTERVAL * FAILURES + ONE_CONNECT + 5  # a bound to wait for, with slack for a loaded machine


def connect_with_killswitch(*args):
    """connect --ks true, after one connect without it: that logs in and caches the server list and the
    certificate, since pvpnd remembers the addresses of the API from it, as it would from a real first connect."""
    pvpn("connect", *args)
    pvpn("disconnect", "--ks", "false")
    pvpn("connect", *args, "--ks", "true")


def connected_elsewhere(name):
    return lambda s: s["state"] == "connected" and s["server"] and s["server"]["name"] != name


def sentinel_report(lab):
    """The leak sentinel's verdict. pvpnd's own API calls (marked, allowed by design) and the LAN are not leaks."""
    return labtools.lab("sentinel", "report", "--allow-lan", "--allow", lab["api"]["ip"] + "/32", check=False)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_dead_server_is_rotated_away_and_port_and_qbittorrent_follow(lab, pvpnd):
    write_lab_config(lab, MONITOR)
    init_lab_account(lab)
    init_qb(lab)
    ch, nl = server(lab, "CH#1"), server(lab, "NL#2")
    connect_with_killswitch("--p2p", "--fastest", "api")
    st = wait_status(pf_active, 10, "port forwarding on CH#1")
    assert st["server"]["name"] == "CH#1"
    assert qb_follows(lab, st["port_forwarding"]["port"], 5.0)
    assert st["monitor"]["state"] == "ok"

    labtools.lab("sentinel", "start")
    watch = subprocess.Popen(["ip", "netns", "exec", CLIENT, binary("pvpn"), "--socket", SOCKET, "--json", "status",
                              "--watch"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        labtools.lab("kill", ch["slug"])
        st = wait_status(connected_elsewhere("CH#1"), NOTICE_AND_MOVE, "pvpn to move away from the dead CH#1")
    finally:
        watch.terminate()
        events = [json.loads(line) for line in watch.communicate(timeout=10)[0].splitlines() if line.strip()]
    # A script watching the socket heard the bad checks, the reconnect and each state change.
    monitor = [e["monitor"] for e in events if e["type"] == "monitor"]
    assert monitor.count("degraded") >= FAILURES and "reconnect" in monitor, events
    states = [e["state"] for e in events if e["type"] == "state"]
    assert states[:1] == ["reconnecting"] and states[-1] == "connected", events
    # Another server matching the same filters (P2P), and the monitor says why it moved.
    assert st["server"]["name"] == "NL#2"
    assert "p2p" in st["server"]["features"]
    assert st["monitor"]["reconnects"] == 1
    assert "gateway" in st["monitor"]["last_reason"], st["monitor"]
    assert st["killswitch"]["active"] and st["killswitch"]["mode"] == "connected"

    # Traffic flows through NL#2: the behind host sees it come from NL#2.
    assert whoami("pvl-client", lab["behind_ip"], timeout=5).startswith(nl["behind_leg_ip"])
    # NL#2's port is forwarded, qBittorrent listens on it, and the outside reaches it.
    st = wait_status(lambda s: pf_active(s) and s["port_forwarding"]["port"] == nl["natpmp_default_port"], 15,
                     "NL#2's forwarded port")
    assert qb_follows(lab, nl["natpmp_default_port"], 10.0), "qBittorrent does not listen on NL#2's port"
    assert reachable_from_outside(nl, nl["natpmp_default_port"])
    st = wait_status(lambda s: s["monitor"]["state"] == "ok" and s["monitor"]["last_check"], 10, "a good check")
    # The kill-switch never opened while the server was dead and pvpn moved.
    report = sentinel_report(lab)
    assert report.returncode == 0, report.stdout + report.stderr


def test_slow_server_is_left_for_a_faster_one(lab, pvpnd):
    write_lab_config(lab, MONITOR)
    init_lab_account(lab)
    ch, nl = server(lab, "CH#1"), server(lab, "NL#2")
    pvpn("connect", "--p2p", "--fastest", "api")
    assert status()["server"]["name"] == "CH#1"
    labtools.lab("slow", ch["slug"], "600")  # RTT +600 ms, over the 300 ms threshold
    st = wait_status(connected_elsewhere("CH#1"), NOTICE_AND_MOVE, "pvpn to leave the slow CH#1")
    assert st["server"]["name"] == "NL#2"
    assert "over the 300 ms threshold" in st["monitor"]["last_reason"], st["monitor"]
    assert whoami("pvl-client", lab["behind_ip"], timeout=5).startswith(nl["behind_leg_ip"])
    st = wait_status(lambda s: s["monitor"]["state"] == "ok" and s["monitor"]["last_rtt_ms"] is not None, 10,
                     "a good check on NL#2")
    assert st["monitor"]["last_rtt_ms"] < 300
    assert st["monitor"]["reconnects"] == 1


def test_underlay_link_down_for_a_while_then_up_recovers_without_a_restart(lab, pvpnd):
    write_lab_config(lab, MONITOR)
    init_lab_account(lab)
    pid = pvpnd.proc.pid
    connect_with_killswitch("--p2p", "--fastest", "api")
    assert whoami("pvl-client", lab["behind_ip"], timeout=5)
    labtools.lab("sentinel", "start")
    # The cable is pulled: the client's underlay loses its carrier.
    peer = lab["sentinel"]["if"]  # the client's bridge port in pvl-inet
    labtools.ns("pvl-inet", "ip", "link", "set", peer, "down")
    try:
        wait_status(lambda s: s["state"] in ("reconnecting", "error", "disconnected"), NOTICE_AND_MOVE,
                    "pvpn to notice the dead link")
        st = wait_status(lambda s: s["monitor"]["state"] == "backoff", 60, "a backoff while the link is down")
        assert st["state"] == "reconnecting"
        assert st["killswitch"]["active"] and st["killswitch"]["mode"] == "blocked"
    finally:
        labtools.ns("pvl-inet", "ip", "link", "set", peer, "up")
    st = wait_status(lambda s: s["state"] == "connected", 60, "pvpn to reconnect once the link is back")
    assert pvpnd.proc.poll() is None and pvpnd.proc.pid == pid  # the same daemon: no restart
    assert labtools.wait_for(lambda: whoami("pvl-client", lab["behind_ip"], timeout=3), 15,
                             "traffic through the tunnel")
    assert st["monitor"]["reconnects"] >= 1
    report = sentinel_report(lab)
    assert report.returncode == 0, report.stdout + report.stderr


def test_underlay_address_change_keeps_traffic_flowing(lab, pvpnd):
    write_lab_config(lab, MONITOR)
    init_lab_account(lab)
    connect_with_killswitch("--p2p", "--fastest", "api")
    assert whoami("pvl-client", lab["behind_ip"], timeout=5)
    labtools.lab("sentinel", "start")
    c = lab["client"]
    dev, old, new, gateway = c["underlay_if"], c["ipv4"], "192.0.2.9", c["gateway"]
    labtools.client("sysctl", "-qw", "net.ipv4.conf.%s.promote_secondaries=1" % dev)
    try:
        # DHCP hands out another address: the new one comes, the old one goes.
        labtools.client("ip", "addr", "add", new + "/24", "dev", dev)
        labtools.client("ip", "addr", "del", old + "/24", "dev", dev)
        labtools.client("ip", "route", "replace", "default", "via", gateway, "dev", dev)
        assert labtools.wait_for(lambda: whoami("pvl-client", lab["behind_ip"], timeout=3), NOTICE_AND_MOVE,
                                 "traffic through the tunnel from the new address")
        st = status()
        assert st["state"] == "connected"
        assert st["monitor"]["reconnects"] == 0, pvpnd.log()  # WireGuard roams to the new address: no reconnect needed
        assert st["killswitch"]["active"]
        report = sentinel_report(lab)
        assert report.returncode == 0, report.stdout + report.stderr
    finally:
        labtools.client("ip", "addr", "add", old + "/24", "dev", dev, check=False)
        labtools.client("ip", "addr", "del", new + "/24", "dev", dev, check=False)
        labtools.client("ip", "route", "replace", "default", "via", gateway, "dev", dev, check=False)


def test_all_servers_dead_backs_off_quietly_and_recovers_when_one_returns(lab, pvpnd):
    write_lab_config(lab, MONITOR.replace("failures = 3", "failures = 2"))
    init_lab_account(lab)
    connect_with_killswitch("--p2p", "--fastest", "api")
    labtools.lab("sentinel", "start")
    for s in lab["servers"]:
        labtools.lab("kill", s["slug"])
    st = wait_status(lambda s: s["monitor"]["state"] == "backoff", 90, "a backoff with every server dead")
    assert st["state"] == "reconnecting"
    assert st["monitor"]["next_retry"] and st["monitor"]["retry_rounds"] >= 1
    assert st["killswitch"]["active"] and st["killswitch"]["mode"] == "blocked"
    assert "Monitor:      backoff" in pvpn("status").stdout

    # No busy loop: pvpnd sleeps between rounds (a generous bound that only a spinning loop breaks).
    pid = pvpnd.proc.pid
    t0, c0 = time.monotonic(), cpu_seconds(pid)
    time.sleep(10)
    share = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    assert share < 0.05, "pvpnd used %.1f %% CPU while backing off" % (share * 100)
    # It keeps trying, round after round, still blocking.
    st = wait_status(lambda s: s["monitor"]["retry_rounds"] >= 2, 60, "a second failed round")
    assert st["state"] == "reconnecting" and st["killswitch"]["active"]
    assert st["killswitch"]["mode"] in ("blocked", "connecting")  # connecting: one candidate's endpoint only

    nl = server(lab, "NL#2")
    labtools.lab("revive", nl["slug"])
    st = wait_status(lambda s: s["state"] == "connected", 90, "pvpn to reconnect once NL#2 is back")
    assert st["server"]["name"] == "NL#2"
    assert labtools.wait_for(lambda: whoami("pvl-client", lab["behind_ip"], timeout=3), 15, "traffic via NL#2")
    report = sentinel_report(lab)
    assert report.returncode == 0, report.stdout + report.stderr


def ping_gaps(output):
    """The longest run of unanswered echo requests in `ping` output (sequence numbers start at 1)."""
    seqs = sorted(int(m) for m in re.findall(r"icmp_seq=(\d+) ttl=", output))
    sent = re.search(r"(\d+) packets transmitted", output)
    if not seqs or not sent:
        return None
    edges = [0] + seqs + [int(sent.group(1)) + 1]
    return max(b - a - 1 for a, b in zip(edges, edges[1:]))


def test_expired_session_and_certificate_are_renewed_without_dropping_traffic(lab, pvpnd):
    # Certificates live 20 s (refresh after 10 s); the NAT-PMP gateway grants only while the certificate is valid.
    labtools.lab("knob", "cert_ttl", "20")
    labtools.lab("knob", "pf_grant_mode", "cert")
    write_lab_config(lab, "natpmp_renew = 2\n" + MONITOR)
    init_lab_account(lab)
    pvpn("connect", "--p2p", "--fastest", "api")
    first_expiry = time.time() + 20
    st = wait_status(pf_active, 10, "port forwarding")
    port, name = st["port_forwarding"]["port"], st["server"]["name"]
    api_log = os.path.join(STATE, "logs", "api.log")
    certs_before = open(api_log).read().count("POST /vpn/v1/certificate 200")
    # Every access token issued so far is refused from now on: the renewal must refresh the session.
    labtools.lab("knob", "expire_session", "true")

    # 30 s of pings through the tunnel, 5 a second, across at least two renewals and the first certificate's expiry.
    p = subprocess.run(["ip", "netns", "exec", CLIENT, "ping", "-n", "-i", "0.2", "-c", "150", "-W", "1",
                        lab["behind_ip"]], capture_output=True, text=True, timeout=60)
    assert time.time() > first_expiry + 5
    gap = ping_gaps(p.stdout)
    assert gap is not None and gap <= 5, "the tunnel dropped %s pings in a row:\n%s" % (gap, p.stdout[-2000:])

    st = status()
    assert st["state"] == "connected" and st["server"]["name"] == name
    assert st["monitor"]["reconnects"] == 0
    # The port is still forwarded, renewed every 2 s: the gateway grants it only to a valid certificate.
    assert pf_active(st) and st["port_forwarding"]["port"] == port and st["port_forwarding"]["expires_in"] >= 50
    # What the API saw: certificates asked for again, with a refreshed session.
    log = open(api_log).read()
    assert log.count("POST /vpn/v1/certificate 200") >= certs_before + 2, "the certificate was not renewed"
    assert "POST /auth/refresh 200" in log, "the expired session was not refreshed"


def test_pvpnd_restart_resumes_the_connection(lab, pvpnd):
    write_lab_config(lab, MONITOR)
    init_lab_account(lab)
    init_qb(lab)
    connect_with_killswitch("--p2p", "--fastest", "api")
    st = wait_status(pf_active, 10, "port forwarding")
    name, port = st["server"]["name"], st["port_forwarding"]["port"]
    labtools.lab("sentinel", "start")

    pvpnd.kill(signal.SIGTERM)
    d = Pvpnd().start()
    try:
        st = wait_status(lambda s: s["state"] == "connected", 30, "the restarted pvpnd to resume")
        assert st["server"]["name"] == name
        assert "resumed" in st["reason"]
        assert st["killswitch"]["active"] and st["killswitch"]["mode"] == "connected"
        assert whoami("pvl-client", lab["behind_ip"], timeout=5)
        st = wait_status(pf_active, 15, "port forwarding after the restart")
        assert st["port_forwarding"]["port"] == port
        assert qb_follows(lab, port, 10.0)
        report = sentinel_report(lab)
        assert report.returncode == 0, report.stdout + report.stderr

        # A crash resumes too; so does it when the tunnel is gone meanwhile (reconnect instead of adopt).
        d.kill(signal.SIGKILL)
        labtools.client("ip", "link", "del", "wgp" + st["server"]["country"].lower(), check=False)
        d = Pvpnd().start()
        st = wait_status(lambda s: s["state"] == "connected", 60, "pvpnd to reconnect after a crash")
        assert st["server"]["name"] == name
        assert labtools.wait_for(lambda: whoami("pvl-client", lab["behind_ip"], timeout=3), 15, "traffic")

        # A disconnect is remembered: the next pvpnd stays disconnected.
        pvpn("disconnect", "--ks", "false")
        d.stop()
        d = Pvpnd().start()
        assert status()["state"] == "disconnected"
    finally:
        pvpn("disconnect", "--ks", "false", check=False, timeout=30)
        d.stop()


def test_resume_off_leaves_a_restarted_pvpnd_disconnected_and_blocking(lab, pvpnd):
    write_lab_config(lab, MONITOR + "\n[service]\nresume = false\n")
    init_lab_account(lab)
    connect_with_killswitch("--p2p", "--fastest", "api")
    pvpnd.kill(signal.SIGTERM)
    d = Pvpnd().start()
    try:
        st = status()
        assert st["state"] == "disconnected"
        assert st["tunnel"] is None
        assert "wgp" not in labtools.client("ip", "-o", "link").stdout
        assert st["killswitch"]["active"] and st["killswitch"]["mode"] == "blocked"
        assert whoami("pvl-client", lab["outside"]["ipv4"], timeout=2) == ""
    finally:
        pvpn("disconnect", "--ks", "false", check=False, timeout=30)
        d.stop()


def test_autoconnect_connects_when_pvpnd_starts(lab, pvpnd):
    write_lab_config(lab, MONITOR + "\n[service]\nautoconnect = true\n\n[network]\nfastest_default = api\n")
    init_lab_account(lab)
    assert status()["state"] == "disconnected"  # the running pvpnd read the setting after its start
    pvpnd.kill(signal.SIGTERM)
    d = Pvpnd().start()
    try:
        st = wait_status(lambda s: s["state"] == "connected", 60, "pvpnd to connect at start")
        best = json.loads(pvpn("--json", "list", "--fastest", "api").stdout)["servers"][0]["name"]
        assert st["server"]["name"] == best  # the defaults: any country, best score (fastest_default = api)
        assert labtools.wait_for(lambda: whoami("pvl-client", lab["behind_ip"], timeout=3), 15, "traffic")
    finally:
        pvpn("disconnect", "--ks", "false", check=False, timeout=30)
        d.stop()
