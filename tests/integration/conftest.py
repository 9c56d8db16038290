"""Fixtures that run a real pvpnd on a temporary socket and the real pvpn client."""
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

BIN_DIR = os.environ.get("PVPN_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))


def binary(name):
    for cand in (os.path.join(BIN_DIR, name), shutil.which(name) or ""):
        if cand and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    pytest.skip(f"{name} not built (set PVPN_BIN_DIR)")


class Daemon:
    def __init__(self, root, control_group="pvpn"):
        self.root = root
        self.socket = os.path.join(root, "pvpn.sock")
        self.config_dir = os.path.join(root, "config")
        self.run_dir = os.path.join(root, "run")
        self.stderr = open(os.path.join(root, "pvpnd.stderr"), "w+")
        self.proc = subprocess.Popen(
            [binary("pvpnd"), "--socket", self.socket, "--config-dir", self.config_dir,
             "--run-dir", self.run_dir, "--control-group", control_group, "--verbose"],
            stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pvpnd did not start: " + self.log())
            time.sleep(0.02)

    def log(self):
        self.stderr.flush()
        with open(self.stderr.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def rpc(self, method, params=None, sock=None):
        """One request on a fresh connection; returns the decoded reply."""
        s = sock or socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        if sock is None:
            s.connect(self.socket)
        req = {"jsonrpc": "2.0", "id": 1, "method": method}
        if params is not None:
            req["params"] = params
        s.sendall((json.dumps(req) + "\n").encode())
        reply = read_line(s)
        if sock is None:
            s.close()
        return json.loads(reply)


def read_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.decode()


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="pvpn-it-")
    os.chmod(d, 0o755)  # nobody must reach the socket inside
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def daemon(workdir):
    d = Daemon(workdir)
    yield d
    d.stop()


def run_client(args, sock, user=None, group=None, input_text=None, timeout=20):
    """Runs the real pvpn binary, optionally as another user via setpriv."""
    cmd = [binary("pvpn"), "--socket", sock] + list(args)
    if user is not None:
        if os.geteuid() != 0:
            pytest.skip("running the client as another user needs root")
        pw = pwd.getpwnam(user)
        gid = group if group is not None else pw.pw_gid
        cmd = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={gid}", "--clear-groups", "--"] + cmd
    return subprocess.run(cmd, input=input_text, capture_output=True, text=True, timeout=timeout,
                          stdin=None if input_text is not None else subprocess.DEVNULL)
