"""Issue 5: the kill-switch. With it on, nothing leaves the client outside the tunnel, checked where
it would show: at the leak sentinel (tcpdump on the client's bridge port), at the ISP's resolver
(its query log) and at the outside host (the address it sees). It holds while connecting, connected,
switching servers, with the server dead, with pvpnd SIGKILLed and restarted, and after
`disconnect --ks true`; and all along the LAN host reaches the client over TCP (the SSH case) and
back when allow_lan is true, and cannot when it is false.

Allowed outside the tunnel, and only these: WireGuard's UDP to the server's endpoint (the sentinel
leaves it out), and pvpnd's own marked traffic to Proton while it connects: HTTPS to the API and
`--fastest ping` probes to the servers (own_traffic below).
"""
import os
import re
import select
import subprocess
import threading
import time

import labtools
import pytest
import sentinel
from labtools import STATE, client, ns, whoami
from pvpn_lab import CONFIG_DIR, Pvpnd, init_lab_account, pvpn, status

LAN_NS = "pvl-lan"
SSH_PORT = 22


def server(lab, name):
    return next(s for s in lab["servers"] if s["name"] == name)


def nft_table():
    """pvpn's table in the client, as the kernel lists it ("" when there is none)."""
    p = client("nft", "list", "table", "inet", "pvpn", check=False)
    return p.stdout if p.returncode == 0 else ""


# ---- what the system had before pvpn: it must be identical afterwards ----

def add_system_rules():
    """A firewall of the system's own (nftables and iptables), as an admin or Docker would have."""
    client("nft", "-f", "-", input="""
table inet sysfw {
    chain input {
        type filter hook input priority filter; policy accept;
        tcp dport 9999 accept comment "admin's rule"
    }
}
""")
    client("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9998", "-j", "ACCEPT")
    client("ip6tables", "-A", "OUTPUT", "-p", "udp", "--dport", "9997", "-j", "ACCEPT")


def system_rules():
    """The system's rules without pvpn's table, and with traffic counters left out."""
    ruleset = client("nft", "list", "ruleset").stdout
    ruleset = re.sub(r"table inet pvpn \{.*?\n\}\n", "", ruleset, flags=re.S)
    saves = [client(tool).stdout for tool in ("iptables-save", "ip6tables-save")]
    saves = ["\n".join(re.sub(r"\[\d+:\d+\]", "", l) for l in s.splitlines() if not l.startswith("#"))
             for s in saves]
    return ruleset, saves[0], saves[1]


# ---- the LAN: a host next to the client reaching its "sshd", and the client reaching the host ----

@pytest.fixture
def client_sshd(lab):
    """An echo service on the client's TCP port 22 (IPv4 and IPv6): the SSH session's stand-in."""
    p = subprocess.Popen(["ip", "netns", "exec", labtools.CLIENT, "socat",
                          "TCP6-LISTEN:%d,ipv6only=0,reuseaddr,fork" % SSH_PORT, "EXEC:cat"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    labtools.wait_for(lambda: ":%d " % SSH_PORT in client("ss", "-ltnH").stdout, 5, "the client's port 22")
    yield p
    p.terminate()
    p.wait(5)


class LanSession:
    """One long TCP session from the LAN host to the client, like an SSH login kept open."""

    def __init__(self, lab):
        self.p = subprocess.Popen(["ip", "netns", "exec", LAN_NS, "socat", "-",
                                   "TCP:%s:%d" % (lab["client"]["ipv4"], SSH_PORT)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.n = 0

    def alive(self, timeout=5):
        """True when a line sent through the session comes back."""
        self.n += 1
        line = b"keepalive %d\n" % self.n
        try:
            self.p.stdin.write(line)
            self.p.stdin.flush()
        except BrokenPipeError:
            return False
        ready, _, _ = select.select([self.p.stdout], [], [], timeout)
        return bool(ready) and self.p.stdout.readline() == line

    def close(self):
        self.p.kill()
        self.p.wait(5)


def lan_reaches_client(lab, family=4):
    """A new TCP connection from the LAN host to the client's port 22 gets its echo back."""
    addr = lab["client"]["ipv4"] if family == 4 else "[%s]" % lab["client"]["ipv6"]
    p = ns(LAN_NS, "socat", "-T", "2", "-", "TCP:%s:%d,connect-timeout=2" % (addr, SSH_PORT),
           input="ssh-check\n", check=False, timeout=10)
    return p.stdout == "ssh-check\n"


def client_reaches_lan(lab, family=4):
    """A new TCP connection from the client to the LAN host's port 22 gets its answer."""
    addr = lab["lan_host"]["ipv4"] if family == 4 else "[%s]" % lab["lan_host"]["ipv6"]
    p = client("curl", "-s", "--max-time", "2", "http://%s:22/" % addr, check=False, timeout=10)
    return p.stdout.strip().endswith(" lan")


# ---- an application in the client that keeps trying to get out ----

class Prober:
    """Tries, over and over in the background, what a leaking application would: plain DNS to the
    ISP's resolver (a fresh name each time), TCP to the outside host over IPv4 and over IPv6.
    Records what came back, so the test can check that nothing ever did outside the tunnel."""

    def __init__(self, lab):
        self.lab = lab
        self.names, self.dns_answers, self.tcp_seen, self.v6_seen = [], [], [], []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        n = 0
        while not self.stopping.is_set():
            n += 1
            name = "probe-%d-%d.lab.test" % (os.getpid(), n)
            self.names.append(name)
            self.dns_answers += labtools.resolve("pvl-client", name, self.lab["isp_dns"])
            self.dns_answers += labtools.resolve("pvl-client", "outside.lab.test", self.lab["isp_dns"])
            seen = whoami("pvl-client", self.lab["outside"]["ipv4"], timeout=1)
            if seen:
                self.tcp_seen.append(seen.split()[0])
            seen6 = whoami("pvl-client", self.lab["outside"]["ipv6"], timeout=1)
            if seen6:
                self.v6_seen.append(seen6)
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(30)
        return False

    def check(self, allowed_sources):
        """Nothing got an answer outside the tunnel, and the ISP's resolver never saw a probe."""
        assert self.names, "the prober never ran"
        assert self.dns_answers == [], "plain DNS to the ISP's resolver was answered"
        assert self.v6_seen == [], "IPv6 reached the outside host: %s" % self.v6_seen
        assert set(self.tcp_seen) <= set(allowed_sources), \
            "the outside host saw the client from %s" % (set(self.tcp_seen) - set(allowed_sources))
        with open(self.lab["isp_dns_log"]) as f:
            log = f.read()
        assert not [n for n in self.names if n in log], "the ISP's resolver saw the prober's queries"


# ---- the sentinel ----

def own_traffic(lab, d):
    """pvpnd's own marked traffic to Proton, which the kill-switch lets out while it connects."""
    if d["proto"] == 6 and str(d["dst"]) == lab["api"]["ip"] and d["dport"] == 443:
        return True
    entries = {s["entry_ip"] for s in lab["servers"]}
    return d["proto"] == 1 and d["type"] == 8 and str(d["dst"]) in entries


def leaks(lab, since, allow_lan=True, own=False):
    """What the client sent outside its tunnel since `since`; with own=True, pvpnd's own excepted."""
    found = sentinel.leaks(STATE, allow_lan=allow_lan, since=since)
    return [sentinel.describe(d) for _, d in found if not (own and own_traffic(lab, d))]


def contained(lab, since, through, allow_lan=True, own=False):
    """The checks made in every state. `through`: the exit IP the outside host must see the client
    come from (the tunnel works), or None when the kill-switch must block everything."""
    assert labtools.resolve("pvl-client", "outside.lab.test", lab["isp_dns"]) == []
    seen = whoami("pvl-client", lab["outside"]["ipv4"], timeout=3)
    if through:
        assert seen.split()[0] == through, "expected to reach the outside host through %s, got %r" % (through, seen)
    else:
        assert seen == "", "the outside host answered while everything must be blocked: %r" % seen
    assert whoami("pvl-client", lab["outside"]["ipv6"], timeout=2) == ""
    if allow_lan:
        assert lan_reaches_client(lab, 4) and lan_reaches_client(lab, 6), "the LAN host cannot reach the client"
        assert client_reaches_lan(lab, 4) and client_reaches_lan(lab, 6), "the client cannot reach the LAN host"
    assert leaks(lab, since, allow_lan, own) == []


def used_before(lab):
    """pvpn has reached the API before, so its addresses are remembered: from here on not one DNS
    query may leave outside the tunnel, pvpnd's included. (The very first `connect --ks true` looks
    the API up once, before it arms the kill-switch: test_first_connect_... below.)"""
    pvpn("list", "--cc", "CH", "--fastest", "api")


def test_nothing_leaks_and_the_lan_stays_reachable_in_every_state(lab, pvpnd, client_sshd):
    init_lab_account(lab)
    ch, nl = server(lab, "CH#1"), server(lab, "NL#2")
    add_system_rules()
    rules_before = system_rules()
    ssh = LanSession(lab)
    assert ssh.alive()
    used_before(lab)
    labtools.lab("sentinel", "start")
    start = time.time()
    restarted = None
    try:
        # Connecting from nothing: armed before the first packet (the sentinel watches from `start`).
        # The prober starts once the kill-switch is on: before that, nothing is meant to be blocked.
        pvpn("connect", "--ks", "true", "--cc", "CH", "--fastest", "api")
        with Prober(lab) as prober:
            contained(lab, start, through=ch["exit_ip"], own=True)
            assert status()["killswitch"]["mode"] == "connected"
            steady = time.time()
            contained(lab, steady, through=ch["exit_ip"])
            assert ssh.alive()

            # A forced server switch (another country: tunnel down, new one up). No flag: it stays on.
            switch = time.time()
            pvpn("connect", "--cc", "NL", "--fastest", "api")
            assert status()["server"]["name"] == "NL#2"
            contained(lab, switch, through=nl["exit_ip"], own=True)
            assert ssh.alive()

            # pvpnd SIGKILLed: the rules stay, the tunnel keeps carrying traffic, nothing else gets out.
            crash = time.time()
            pvpnd.kill()
            assert "pvpn kill-switch: mode=connected" in nft_table()
            # (own: the kernel closes the dead pvpnd's idle connection to the API.)
            contained(lab, crash, through=nl["exit_ip"], own=True)
            assert ssh.alive()

            # A restarted pvpnd adopts the rules and, as `[service] resume` (default true) asks, the
            # tunnel it finds still matching the connection it had; it says so.
            restart = time.time()
            restarted = Pvpnd().start()
            st = status()
            ks = st["killswitch"]
            assert ks["enabled"] and ks["active"] and ks["mode"] == "connected"
            assert ks["rules"] == "nftables: table inet pvpn"
            assert st["state"] == "connected" and st["server"]["name"] == "NL#2"
            assert "blocking traffic outside the tunnel" in pvpn("status").stdout
            contained(lab, restart, through=nl["exit_ip"], own=True)
            assert ssh.alive()

            # Blocked from here on: connecting again from the blocked state needs no DNS.
            pvpn("disconnect", "--ks", "true")
            assert status()["killswitch"]["mode"] == "blocked"
            assert "blocking all traffic" in pvpn("status").stdout

            # No DNS can get out, the API is still reached.
            again = time.time()
            pvpn("connect", "--ks", "true", "--cc", "NL", "--fastest", "api")
            contained(lab, again, through=nl["exit_ip"], own=True)

            # The server dies: pvpn stays blocked (recovery is the health monitor's business).
            labtools.lab("kill", nl["slug"])
            dead = time.time()
            contained(lab, dead, through=None)
            assert status()["killswitch"]["active"]
            assert ssh.alive()

            # disconnect --ks true keeps the block.
            down = time.time()
            pvpn("disconnect", "--ks", "true")
            assert status()["killswitch"]["mode"] == "blocked"
            contained(lab, down, through=None)
            assert ssh.alive()
        prober.check(allowed_sources={ch["exit_ip"], nl["exit_ip"]})
        assert leaks(lab, start, own=True) == []

        # disconnect --ks false removes it, and only it.
        pvpn("disconnect", "--ks", "false")
        assert nft_table() == ""
        assert system_rules() == rules_before
        assert whoami("pvl-client", lab["outside"]["ipv4"], timeout=3), "the probes could never have succeeded"
        assert ssh.alive()
    finally:
        ssh.close()
        if restarted:
            pvpn("disconnect", "--ks", "false", check=False)
            restarted.stop()


def test_allow_lan_false_cuts_the_lan_both_ways(lab, pvpnd, client_sshd):
    init_lab_account(lab)
    pvpn("init", "--network", "--allow-lan", "false")
    assert lan_reaches_client(lab) and client_reaches_lan(lab)
    used_before(lab)
    labtools.lab("sentinel", "start")
    start = time.time()
    pvpn("connect", "--ks", "true", "--cc", "CH", "--fastest", "api")
    assert status()["killswitch"]["allow_lan"] is False
    contained(lab, start, through=server(lab, "CH#1")["exit_ip"], allow_lan=False, own=True)
    assert not lan_reaches_client(lab, 4) and not lan_reaches_client(lab, 6)
    assert not client_reaches_lan(lab, 4) and not client_reaches_lan(lab, 6)
    pvpn("disconnect", "--ks", "true")
    assert not lan_reaches_client(lab) and not client_reaches_lan(lab)
    # Every attempt above was stopped at the client: not one packet reached the LAN.
    assert leaks(lab, start, allow_lan=False, own=True) == []
    pvpn("disconnect", "--ks", "false")
    assert lan_reaches_client(lab) and client_reaches_lan(lab)


def test_first_connect_looks_the_api_up_once_before_arming(lab, pvpnd):
    init_lab_account(lab)
    with open(lab["isp_dns_log"]) as f:
        seen_before = len(f.read().splitlines())
    labtools.lab("sentinel", "start")
    start = time.time()
    pvpn("connect", "--ks", "true", "--cc", "CH", "--fastest", "api")
    assert status()["killswitch"]["mode"] == "connected"
    packets = [d for _, d in sentinel.leaks(STATE, allow_lan=True, since=start) if not own_traffic(lab, d)]
    # What got out besides pvpnd's marked HTTPS: DNS to the system's resolver, and nothing else...
    assert packets and all(d["dport"] == 53 and str(d["dst"]) == lab["isp_dns"] for d in packets), \
        [sentinel.describe(d) for d in packets]
    # ...asking for the API's name only, and before the first API request, that is before arming.
    with open(lab["isp_dns_log"]) as f:
        queries = [l for l in f.read().splitlines()[seen_before:] if "query[" in l]
    assert queries and all(" vpn-api.lab.test from " in q for q in queries), queries
    first_api = min(t for t, d in sentinel.leaks(STATE, since=start) if own_traffic(lab, d))
    assert all(t < first_api for t, d in sentinel.leaks(STATE, since=start) if d["dport"] == 53)
    # Remembered: the next connect from the block sends none.
    pvpn("disconnect", "--ks", "true")
    again = time.time()
    pvpn("connect", "--ks", "true", "--cc", "NL", "--fastest", "api")
    assert leaks(lab, again, own=True) == []


def forget_everything_but_the_api_address():
    """A cold pvpnd: no session, certificate or server list; config.ini and the remembered API
    address stay."""
    for name in os.listdir(CONFIG_DIR):
        if name not in ("config.ini", "api-hosts.json"):
            path = os.path.join(CONFIG_DIR, name)
            if os.path.isdir(path):
                for f in os.listdir(path):
                    os.unlink(os.path.join(path, f))
                os.rmdir(path)
            else:
                os.unlink(path)


def test_cold_connect_from_a_blocking_kill_switch_reaches_the_api_without_dns(lab, pvpnd):
    init_lab_account(lab)
    pvpn("connect", "--ks", "true", "--cc", "CH", "--fastest", "api")
    pvpn("disconnect", "--ks", "true")
    pvpnd.stop()
    forget_everything_but_the_api_address()
    api_log = os.path.join(STATE, "logs", "api.log")
    logins = open(api_log).read().count("POST /auth/info")

    d = Pvpnd().start()
    try:
        assert status()["killswitch"]["mode"] == "blocked"
        assert labtools.resolve("pvl-client", "vpn-api.lab.test", lab["isp_dns"]) == []  # DNS is blocked
        labtools.lab("sentinel", "start")
        start = time.time()
        pvpn("connect", "--ks", "true", "--cc", "NL", "--fastest", "api")
        st = status()
        assert st["state"] == "connected" and st["server"]["name"] == "NL#2"
        assert whoami("pvl-client", lab["outside"]["ipv4"]).split()[0] == server(lab, "NL#2")["exit_ip"]
        # A full login, server list and certificate came from the API, under the block...
        assert open(api_log).read().count("POST /auth/info") == logins + 1
        # ...and not one DNS packet, not even pvpnd's, left the client outside the tunnel.
        everything = [sentinel.describe(x) for _, x in sentinel.leaks(STATE, allow_lan=False, since=start)]
        assert not [x for x in everything if x.endswith(" port 53")], everything
        assert leaks(lab, start, own=True) == []

        # Without a remembered address the connect fails, says why, and stays blocked.
        pvpn("disconnect", "--ks", "true")
        d.stop()
        os.unlink(os.path.join(CONFIG_DIR, "api-hosts.json"))
        forget_everything_but_the_api_address()
        d = Pvpnd().start()
        r = pvpn("connect", "--ks", "true", "--fastest", "api", check=False)
        assert r.returncode != 0
        assert "no address of vpn-api.lab.test is remembered" in r.stderr
        st = status()
        assert st["state"] == "error" and st["killswitch"]["mode"] == "blocked"
        assert whoami("pvl-client", lab["outside"]["ipv4"], timeout=2) == ""
    finally:
        pvpn("disconnect", "--ks", "false", check=False)
        d.stop()


def test_ks_flags_and_ks_default(lab, pvpnd):
    init_lab_account(lab)
    ch, nl = server(lab, "CH#1"), server(lab, "NL#2")
    # ks_default = true: a plain connect arms it; a plain disconnect keeps it.
    pvpn("init", "--network", "--ks-default", "true")
    pvpn("connect", "--cc", "CH", "--fastest", "api")
    assert status()["killswitch"]["mode"] == "connected"
    pvpn("disconnect")
    assert status()["killswitch"]["mode"] == "blocked"
    assert whoami("pvl-client", lab["outside"]["ipv4"], timeout=2) == ""

    # ks_default = false does not lower a kill-switch in force: only an explicit --ks false does.
    pvpn("init", "--network", "--ks-default", "false")
    pvpn("connect", "--cc", "CH", "--fastest", "api")
    assert status()["killswitch"]["mode"] == "connected"

    # --ks false while it is on: the switch is still covered, then the rules go.
    labtools.lab("sentinel", "start")
    start = time.time()
    pvpn("connect", "--ks", "false", "--cc", "NL", "--fastest", "api")
    st = status()
    assert st["server"]["name"] == "NL#2"
    assert not st["killswitch"]["enabled"] and not st["killswitch"]["active"] and nft_table() == ""
    assert leaks(lab, start, own=True) == []
    assert whoami("pvl-client", lab["outside"]["ipv4"]).split()[0] == nl["exit_ip"]

    # Without a kill-switch: none; disconnect --ks true arms the block; --ks false removes it.
    pvpn("disconnect")
    assert nft_table() == ""
    pvpn("connect", "--cc", "CH", "--fastest", "api")
    assert nft_table() == ""
    pvpn("disconnect", "--ks", "true")
    assert status()["killswitch"]["mode"] == "blocked"
    assert whoami("pvl-client", lab["outside"]["ipv4"], timeout=2) == ""
    pvpn("disconnect", "--ks", "false")
    assert nft_table() == ""
    seen = whoami("pvl-client", lab["outside"]["ipv4"], timeout=3)
    assert seen and seen.split()[0] not in (ch["exit_ip"], nl["exit_ip"])  # direct, no tunnel, no block


def test_fastest_ping_ranks_servers_while_the_kill_switch_blocks(lab, pvpnd):
    init_lab_account(lab)
    pvpn("disconnect", "--ks", "true")
    assert status()["killswitch"]["mode"] == "blocked"
    # CH#1 scores better but is slow: only real probes can tell, and they must get out.
    labtools.lab("slow", server(lab, "CH#1")["slug"], "150")
    pvpn("connect", "--ks", "true", "--p2p", "--fastest", "ping")
    assert status()["server"]["name"] == "NL#2"
