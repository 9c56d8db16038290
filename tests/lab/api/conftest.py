"""Fixtures for the API stand-in tests: a throw-away lab state dir, the API server and local agents on
loopback, a fake `wg` that records what the API asks of it. No root, no network lab needed."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import proton_client as api_client  # noqa: E402
import labstate  # noqa: E402
import pgp  # noqa: E402
import pki  # noqa: E402

PY = "/usr/bin/python3"
API_HOST = "vpn-api.lab.test"

FAKE_WG = """#!/bin/sh
echo "$@" >> "%s"
exit 0
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_lab(state):
    def server(i, name, cc, exit_cc, features, p2p, sc=False):
        return {"slug": "s%d" % i, "name": name, "entry_country": cc, "exit_country": exit_cc, "city": "Labcity",
                "features": features, "tier": 2, "p2p": p2p, "secure_core": sc, "ns": "pvl-s%d" % i,
                "wg_if": "pvltest%d" % i, "entry_ip": "203.0.113.%d" % (10 + i), "wg_port": 51820,
                "wg_pubkey": "%s=" % ("A" * 42 + "E"), "domain": "node-%s-%02d.lab.test" % (cc.lower(), i),
                "exit_ip": "198.51.100.%d" % (110 + i), "load": 20 + i, "score": 1.0 + i / 10}
    return {"state_dir": state, "client_ns": "pvl-client",
            "client": {"underlay_if": "veth0", "ipv4": "192.0.2.2", "gateway": "192.0.2.1"},
            "api": {"url": "https://" + API_HOST, "host": API_HOST, "ip": "198.51.100.10", "ns": "pvl-api",
                    "ca_file": os.path.join(state, "pki", "api-ca.pem"),
                    "modulus_key_file": os.path.join(state, "pki", "srp-modulus-key.asc"),
                    "user": "labuser", "password": "labpass", "totp_secret": "JBSWY3DPEHPK3PXP"},
            "behind_ip": "198.51.100.99",
            "servers": [server(1, "CH#1", "CH", "CH", 4, True), server(2, "NL#2", "NL", "NL", 4, True),
                        server(3, "US#3", "US", "US", 0, False), server(4, "CH-SE#1", "CH", "SE", 1, False, True)]}


class Lab:
    def __init__(self, state):
        self.state = state
        self.lab = fake_lab(state)
        self.wg_log = os.path.join(state, "wg-calls.log")
        self.procs = []
        self.port = None

    def knobs(self, **values):
        labstate.write_json(os.path.join(self.state, "knobs.json"), values)

    def client(self, **kw):
        return api_client.ApiClient("https://%s:%d" % (API_HOST, self.port), os.path.join(self.state, "pki", "api-ca.pem"),
                                    connect_to=("127.0.0.1", self.port), **kw)

    def modulus_key(self):
        with open(os.path.join(self.state, "pki", "srp-modulus-key.asc")) as f:
            return pgp.load_public_key(f.read())[0]

    def login(self, **kw):
        c = self.client()
        c.login("labuser", "labpass", self.modulus_key(), **kw)
        return c

    def env(self):
        return dict(os.environ, PVPN_LAB_WG=os.path.join(self.state, "fake-wg"))

    def start(self, args, ready):
        log = open(os.path.join(self.state, "logs", "%s.log" % os.path.basename(args[0])), "ab")
        proc = subprocess.Popen([PY] + args, stdout=log, stderr=log, env=self.env(), cwd=HERE)
        self.procs.append(proc)
        deadline = time.time() + 20
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("%s exited with %s" % (args[0], proc.returncode))
            try:
                if ready():
                    return proc
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("%s did not become ready" % args[0])

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _tcp_open(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    state = str(tmp_path_factory.mktemp("pvpn-lab"))
    os.makedirs(os.path.join(state, "logs"))
    lab = Lab(state)
    labstate.write_json(os.path.join(state, "lab.json"), lab.lab)
    with open(os.path.join(state, "fake-wg"), "w") as f:
        f.write(FAKE_WG % lab.wg_log)
    os.chmod(os.path.join(state, "fake-wg"), 0o755)
    pki.generate(state)
    lab.port = free_port()
    lab.start(["server.py", "--state", state, "--listen", "127.0.0.1:%d" % lab.port],
              lambda: lab.client().raw("GET", "/tests/ping")[0] == 200)
    yield lab
    lab.stop()


@pytest.fixture(autouse=True)
def clean_knobs(request):
    if "lab" in request.fixturenames:
        lab = request.getfixturevalue("lab")
        lab.knobs()
        yield
        lab.knobs()
    else:
        yield


@pytest.fixture(scope="session")
def agents(lab):
    """Local agents for s1 (P2P) and s3 (not P2P) on loopback ports: {slug: port}."""
    ports = {}
    for slug in ("s1", "s3"):
        port = free_port()
        lab.start(["local_agent.py", "--state", lab.state, "--slug", slug, "--listen", "127.0.0.1:%d" % port],
                  lambda: _tcp_open(port))
        ports[slug] = port
    return ports


@pytest.fixture
def vectors():
    with open(os.path.join(HERE, "vectors", "srp-vectors.json")) as f:
        data = json.load(f)
    with open(os.path.join(HERE, "vectors", "srp-test-vector.json")) as f:
        data["full"] = json.load(f)
    return data
