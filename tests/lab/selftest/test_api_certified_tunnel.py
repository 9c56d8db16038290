"""Lab self-test (no pvpn code): a key certified through the API stand-in opens a hand-made WireGuard
tunnel to a server, reaches the host behind it, and the server's local agent accepts the certificate."""
import json
import os
import shutil
import subprocess

from labtools import CLIENT, REPO, STATE, client, ping_rtts, run, wait_for, whoami

CERTIFY = os.path.join(REPO, "tests", "lab", "api", "lab_certify.py")
IFNAME = "pvltc1"


def certify_cmd(command, server, out, pf=False):
    argv = ["ip", "netns", "exec", CLIENT, "/usr/bin/python3", CERTIFY, command, "--state", STATE,
            "--server", server, "--out", out] + (["--pf"] if pf else [])
    return json.loads(run(argv, timeout=60).stdout)


class CertifiedTunnel:
    """wireguard-go interface IFNAME in the client namespace, keyed by the certified key."""

    def __init__(self, peer, wg_key_file, routes):
        self.peer, self.wg_key_file, self.routes = peer, wg_key_file, routes
        self.proc = None

    def __enter__(self):
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        self.proc = subprocess.Popen(["ip", "netns", "exec", CLIENT, "wireguard-go", "-f", IFNAME], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sock = "/var/run/wireguard/%s.sock" % IFNAME
        wait_for(lambda: os.path.exists(sock), 5, sock)
        client("wg", "set", IFNAME, "private-key", self.wg_key_file, "peer", self.peer["public_key"],
               "endpoint", self.peer["endpoint"], "allowed-ips", "0.0.0.0/0", "persistent-keepalive", "25")
        client("ip", "addr", "add", "10.2.0.2/32", "dev", IFNAME)
        client("ip", "link", "set", IFNAME, "up")
        for r in ["10.2.0.1/32"] + list(self.routes):
            client("ip", "route", "add", r, "dev", IFNAME)
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return False


def test_certified_key_reaches_behind_host_and_local_agent(lab):
    s1 = next(s for s in lab["servers"] if s["p2p"])
    out = os.path.join(STATE, "selftest-certified")
    shutil.rmtree(out, ignore_errors=True)
    try:
        got = certify_cmd("certify", s1["name"], out, pf=True)
        assert got["peer"]["public_key"] == s1["wg_pubkey"]
        grants = json.load(open(os.path.join(STATE, "grants", "cert.json")))
        assert grants[got["wg_public"]]["pf"] is True
        # the hand-made interface's public key is the one the API derived and authorised
        wg_pub = run(["wg", "pubkey"], input=open(os.path.join(out, "wg.key")).read()).stdout.strip()
        assert wg_pub == got["wg_public"]
        with CertifiedTunnel(got["peer"], os.path.join(out, "wg.key"), [lab["behind_ip"] + "/32"]):
            wait_for(lambda: ping_rtts(CLIENT, "10.2.0.1", count=1, wait=1), 20, "the tunnel handshake")
            assert whoami(CLIENT, lab["behind_ip"]).endswith(" behind")
            agent = certify_cmd("agent", s1["name"], out, pf=True)
            assert agent["status"]["status"]["state"] == "connected"
            assert agent["features-set"]["status"]["features"]["port-forwarding"] is True
            grant = json.load(open(os.path.join(STATE, "grants", "agent-%s.json" % s1["slug"])))
            assert grant["pf"] is True and grant["x25519"] == got["wg_public"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_uncertified_key_gets_no_tunnel(lab):
    """Control: a key the API never saw is not a peer of any server."""
    s1 = lab["servers"][0]
    out = os.path.join(STATE, "selftest-uncertified")
    os.makedirs(out, exist_ok=True)
    try:
        key_file = os.path.join(out, "wg.key")
        with open(key_file, "w") as f:
            f.write(run(["wg", "genkey"]).stdout)
        os.chmod(key_file, 0o600)
        peer = {"public_key": s1["wg_pubkey"], "endpoint": "%s:%d" % (s1["entry_ip"], s1["wg_port"])}
        with CertifiedTunnel(peer, key_file, [lab["behind_ip"] + "/32"]):
            assert not ping_rtts(CLIENT, "10.2.0.1", count=2, wait=1)
    finally:
        shutil.rmtree(out, ignore_errors=True)
