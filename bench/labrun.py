"""The lab for the benchmarks, with the lab tests' own tools: the machine-wide lab lock, up/reset/down
(tests/lab), a fresh pvpnd in pvl-client and the real pvpn (tests/lab/e2e/pvpn_lab.py)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "lab"))
sys.path.insert(0, os.path.join(REPO, "tests", "lab", "e2e"))

import labtools  # noqa: E402
import pvpn_lab  # noqa: E402
import session  # noqa: E402

STATE = labtools.STATE
WORK = os.path.join(STATE, "bench")
TMPFS_RUN_DIR = "/dev/shm/pvpn-bench-run"


def fs_type(path):
    """The type of the file system path lives on (/proc/mounts, longest mount point that holds it)."""
    best, kind = "", ""
    with open("/proc/mounts") as f:
        for line in f:
            w = line.split()
            mnt = w[1]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                best, kind = mnt, w[2]
    return kind


def run_dir():
    """pvpnd's run dir, on tmpfs as /run is on Debian: this machine's /run may be on disk, where
    every fsync of the tunnel journal costs milliseconds to tens of milliseconds."""
    return pvpn_lab.RUN_DIR if fs_type(pvpn_lab.RUN_DIR) == "tmpfs" else TMPFS_RUN_DIR


class Lab:
    """Holds the lab lock from before `up` to after `down`; `reset()` gives the just-up lab."""

    def __init__(self, servers=4):
        self.servers = servers
        self.fd = None
        self.info = None

    def __enter__(self):
        self.fd = session.acquire(timeout=3600, on_wait=lambda: print(
            "waiting for another lab session (%s)..." % session.LOCK_PATH, flush=True))
        try:
            labtools.lab("up", "--servers", str(self.servers), timeout=180)
        except BaseException:
            session.release(self.fd)
            raise
        return self

    def __exit__(self, *exc):
        try:
            labtools.lab("down", timeout=120, check=False)
            shutil.rmtree(TMPFS_RUN_DIR, ignore_errors=True)
        finally:
            session.release(self.fd)
        return False

    def reset(self):
        labtools.lab("reset", timeout=120)
        with open(os.path.join(STATE, "lab.json")) as f:
            self.info = json.load(f)
        os.makedirs(WORK, exist_ok=True)
        return self.info

    def server(self, name):
        return next(s for s in self.info["servers"] if s["name"] == name)

    def set_rtt(self, ms, slugs=None):
        """Adds ms of round-trip time to the API and to the given servers (all by default)."""
        labtools.lab("slow", "api", str(ms))
        for s in self.info["servers"]:
            if slugs is None or s["slug"] in slugs:
                labtools.lab("slow", s["slug"], str(ms))


def start_pvpnd(lab_info, extra_config=""):
    """A fresh pvpnd (nothing cached) with the lab's Proton account and qBittorrent configured."""
    d = pvpn_lab.fresh_pvpnd(lab_info, extra_config, run_dir())
    pvpn_lab.init_lab_account(lab_info)
    q = lab_info["qbittorrent"]
    pvpn_lab.pvpn("init", "--qb", "--qb-url", q["url"], "--qb-user", q["user"], "--qb-pass", q["pass"])
    return d


def pvpn_timed(*args, timeout=120):
    """Runs the real pvpn (from the host namespace: it only talks to the daemon's socket);
    returns (wall seconds, completed process). Raises if pvpn fails."""
    argv = [pvpn_lab.binary("pvpn"), "--socket", pvpn_lab.SOCKET] + list(args)
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("pvpn %s failed (rc=%d): %s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return wall, p


class Rpc:
    """A raw JSON-RPC connection to pvpnd's socket (what scripts and socat use)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(pvpn_lab.SOCKET)
        self.file = self.sock.makefile("rb")
        self.next_id = 0

    def call_raw(self, method, params=None):
        """Sends one request and returns the reply line unparsed (what a timing should cover)."""
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            req["params"] = params
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        return self.file.readline()

    def call(self, method, params=None):
        reply = json.loads(self.call_raw(method, params))
        if "error" in reply:
            raise RuntimeError("%s: %s" % (method, reply["error"]))
        return reply["result"]

    def close(self):
        self.file.close()
        self.sock.close()


def cpu_ns(pid):
    """CPU time (ns) the process has used so far, all threads (/proc/<pid>/task/*/schedstat)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def run_slices(pid):
    """How many times the process's threads were scheduled in so far (= wakeups from sleep)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[2])
        except (OSError, ValueError, IndexError):
            pass
    return total


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
