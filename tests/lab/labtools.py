"""Helpers for the lab self-tests: run commands in lab namespaces, a hand-made WireGuard client."""
import os
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = os.path.join(REPO, "scripts", "lab")
DNSQ = os.path.join(REPO, "tests", "lab", "dnsq.py")
STATE = os.environ.get("PVPN_LAB_DIR", "/run/pvpn-lab")
CLIENT = "pvl-client"


def run(argv, timeout=20, check=True, input=None):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (rc=%d):\n%s%s" % (" ".join(argv), p.returncode,
                                                           p.stdout, p.stderr))
    return p


def lab(*args, timeout=30, check=True):
    return run([LAB] + list(args), timeout=timeout, check=check)


def ns(name, *argv, **kw):
    return run(["ip", "netns", "exec", name] + list(argv), **kw)


def client(*argv, **kw):
    return ns(CLIENT, *argv, **kw)


def ping_rtts(netns, addr, count=3, wait=2):
    """The RTTs (ms) of the replies to count pings (possibly fewer, or none)."""
    p = ns(netns, "ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(wait), addr,
           check=False, timeout=count * (wait + 1) + 5)
    return [float(w.split("=")[1]) for line in p.stdout.splitlines()
            for w in line.split() if w.startswith("time=")]


def resolve(netns, name, server, qtype="A"):
    p = ns(netns, "/usr/bin/python3", DNSQ, name, "--server", server, "--type", qtype,
           check=False)
    return p.stdout.split()


def whoami(netns, addr, timeout=3):
    """The body of the lab host's TCP whoami service ("<seen source> <host name>")."""
    host = "[%s]" % addr if ":" in addr else addr
    p = ns(netns, "curl", "-s", "--max-time", str(timeout), "http://%s/" % host, check=False,
           timeout=timeout + 5)
    return p.stdout.strip()


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(0.1)


class HandClient:
    """A WireGuard client made by hand in pvl-client (wireguard-go + wg, interface pvltc0),
    authorised on one server by `wg set <server if> peer ...` as the API would do."""

    def __init__(self, server, routes, ifname="pvltc0"):
        self.server, self.routes, self.ifname = server, routes, ifname
        self.proc = None

    def __enter__(self):
        priv = run(["wg", "genkey"]).stdout.strip()
        self.pub = run(["wg", "pubkey"], input=priv + "\n").stdout.strip()
        keyfile = os.path.join(STATE, "%s.key" % self.ifname)
        fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(priv + "\n")
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        self.proc = subprocess.Popen(["ip", "netns", "exec", CLIENT, "wireguard-go", "-f",
                                      self.ifname], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sock = "/var/run/wireguard/%s.sock" % self.ifname
        wait_for(lambda: os.path.exists(sock), 5, sock)
        s = self.server
        # The server learns the peer first, so the client's first handshake is answered.
        ns(s["ns"], "wg", "set", s["wg_if"], "peer", self.pub, "allowed-ips", "10.2.0.2/32")
        client("wg", "set", self.ifname, "private-key", keyfile)
        self.add_server_peer()
        client("ip", "addr", "add", "10.2.0.2/32", "dev", self.ifname)
        client("ip", "link", "set", self.ifname, "up")
        for r in ["10.2.0.1/32"] + list(self.routes):
            client("ip", "route", "add", r, "dev", self.ifname)
        return self

    def add_server_peer(self):
        s = self.server
        client("wg", "set", self.ifname, "peer", s["wg_pubkey"], "endpoint",
               "%s:%d" % (s["entry_ip"], s["wg_port"]), "allowed-ips", "0.0.0.0/0")

    def new_session(self):
        """Drop the client's WireGuard session so the next packet starts a handshake at once
        (instead of WireGuard's own retry, up to ~15 s after the server lost its session)."""
        client("wg", "set", self.ifname, "peer", self.server["wg_pubkey"], "remove")
        self.add_server_peer()

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return False
