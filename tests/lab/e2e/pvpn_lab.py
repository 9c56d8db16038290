"""pvpn in the lab: a real pvpnd in pvl-client pointed at the lab's Proton, and the real pvpn client."""
import json
import os
import signal
import subprocess
import time

import labtools
from labtools import CLIENT, STATE, client

BIN_DIR = os.environ.get("PVPN_BIN_DIR", os.path.join(labtools.REPO, "build"))
SOCKET = os.path.join(STATE, "pvpn.sock")
CONFIG_DIR = os.path.join(STATE, "pvpn-config")
RUN_DIR = os.path.join(STATE, "pvpn-run")
RESOLV_BACKUP = os.path.join(STATE, "resolv.conf.pvpnbak")
CLIENT_RESOLV = "/etc/netns/%s/resolv.conf" % CLIENT
AGENT_CA = os.path.join(STATE, "pki", "proton-root-ca.pem")  # the lab's "ProtonVPN Root CA"


def binary(name):
    path = os.path.join(BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise AssertionError("%s is not built (PVPN_BIN_DIR=%s)" % (name, BIN_DIR))
    return path


def write_lab_config(lab, extra=""):
    """Points pvpn at the lab's Proton: its API URL, CA, modulus-signing key and local-agent root CA."""
    api = lab["api"]
    os.makedirs(CONFIG_DIR, mode=0o700, exist_ok=True)
    text = ("[protonvpn]\napi_url = %s\napi_ca_file = %s\nsrp_modulus_key = %s\nagent_ca_file = %s\n%s"
            % (api["url"], api["ca_file"], api["modulus_key_file"], AGENT_CA, extra))
    fd = os.open(os.path.join(CONFIG_DIR, "config.ini"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


class Pvpnd:
    """pvpnd running in the lab's client namespace."""

    def __init__(self, run_dir=RUN_DIR):
        self.run_dir = run_dir
        self.log_path = os.path.join(STATE, "logs", "pvpnd.log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", CLIENT, binary("pvpnd"), "--socket", SOCKET, "--config-dir", CONFIG_DIR,
             "--run-dir", self.run_dir, "--resolv-backup", RESOLV_BACKUP, "--verbose"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        labtools.wait_for(lambda: self.answers(), 15, "pvpnd to answer on " + SOCKET)
        return self

    def answers(self):
        if self.proc.poll() is not None:
            raise AssertionError("pvpnd exited with %s:\n%s" % (self.proc.returncode, self.log()))
        return pvpn("status", check=False).returncode == 0

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-6000:]
        except OSError:
            return ""

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def fresh_pvpnd(lab, extra_config="", run_dir=RUN_DIR):
    """A new pvpnd in pvl-client with nothing cached (no session, server list or certificate), its
    config.ini pointing at the lab's Proton (plus extra_config lines), no account settings yet."""
    for d in (CONFIG_DIR, run_dir):
        if os.path.isdir(d):
            for root, dirs, files in os.walk(d, topdown=False):
                for f in files:
                    os.unlink(os.path.join(root, f))
                for x in dirs:
                    os.rmdir(os.path.join(root, x))
    if os.path.exists(RESOLV_BACKUP):
        os.unlink(RESOLV_BACKUP)
    write_lab_config(lab, extra_config)
    return Pvpnd(run_dir).start()


def pvpn(*args, check=True, timeout=60, input=None):
    """The real pvpn client, run in the client namespace."""
    p = subprocess.run(["ip", "netns", "exec", CLIENT, binary("pvpn"), "--socket", SOCKET] + list(args),
                       capture_output=True, text=True, timeout=timeout, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise AssertionError("pvpn %s failed (rc=%d):\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def status():
    return json.loads(pvpn("--json", "status").stdout)


def snapshot():
    """What connect changes and disconnect must restore, as the user would look at it."""
    def out(*argv):
        return client(*argv).stdout
    links = "\n".join(l.split("@")[0] for l in out("ip", "-o", "link", "show").splitlines())
    with open(CLIENT_RESOLV, "rb") as f:
        resolv = f.read()
    return {
        "rules4": out("ip", "-4", "rule", "show"),
        "rules6": out("ip", "-6", "rule", "show"),
        "routes4": out("ip", "-4", "route", "show", "table", "all"),
        # Link-local and router-advertised routes come and go on their own (DAD, RA).
        "routes6": [l for l in out("ip", "-6", "route", "show", "table", "all").splitlines()
                    if "expires" not in l and "fe80::" not in l],
        "links": [" ".join(l.split()[1:2]) for l in links.splitlines()],
        "nft": out("nft", "list", "ruleset"),
        "resolv": resolv,
    }


def route_dev(addr):
    """The interface the client would use to reach addr."""
    words = client("ip", "route", "get", addr).stdout.split()
    return words[words.index("dev") + 1]


def init_lab_account(lab):
    api = lab["api"]
    pvpn("init", "--proton", "--proton-user", api["user"], "--proton-pass", api["password"])
