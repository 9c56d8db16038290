"""qBittorrent-nox in pvl-client: a preset profile, start, stop, baseline restore.

qB 4.5.2 has no flag to accept its legal notice and rewrites its config on exit, so the
config is written while it is stopped (see ../../../shared/docs/lab-facts.md A1, A2).
"""
import base64
import hashlib
import os
import shutil

import plan as P
from proc import LabError, nsrun, spawn, stop, wait_until

NAME = "qbittorrent"


def profile(state):
    return os.path.join(state, "qbittorrent")


def conf_path(state):
    return os.path.join(profile(state), "qBittorrent", "config", "qBittorrent.conf")


def password_hash(password, salt=None):
    """qB's WebUI\\Password_PBKDF2 value: PBKDF2-HMAC-SHA512, 100000 rounds, 16-byte salt."""
    salt = salt or os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100000, 64)
    return '"@ByteArray(%s:%s)"' % (base64.b64encode(salt).decode(),
                                    base64.b64encode(key).decode())


def baseline_conf(state, pw_hash):
    downloads = os.path.join(profile(state), "downloads")
    return "\n".join([
        "[LegalNotice]", "Accepted=true", "",
        "[BitTorrent]",
        "Session\\DefaultSavePath=" + downloads,
        "Session\\Port=%d" % P.QB_LISTEN_PORT,
        # Quiet by default so the leak sentinel sees only what tests cause.
        "Session\\DHTEnabled=false", "Session\\LSDEnabled=false", "",
        "[Network]", "PortForwardingEnabled=false", "",
        "[Preferences]",
        "WebUI\\Address=127.0.0.1",
        "WebUI\\Port=%d" % P.QB_PORT,
        "WebUI\\Username=" + P.QB_USER,
        "WebUI\\Password_PBKDF2=" + pw_hash,
        "WebUI\\LocalHostAuth=true", ""])


def write_baseline(state):
    """Recreate the profile from scratch with the baseline config (qB must be stopped)."""
    base = os.path.join(state, "qbittorrent.conf.baseline")
    if not os.path.exists(base):
        with open(base, "w") as f:
            f.write(baseline_conf(state, password_hash(P.QB_PASS)))
    shutil.rmtree(profile(state), ignore_errors=True)
    os.makedirs(os.path.dirname(conf_path(state)))
    os.makedirs(os.path.join(profile(state), "downloads"))
    shutil.copyfile(base, conf_path(state))


def start(dirs):
    spawn(dirs, NAME, P.CLIENT_NS, ["qbittorrent-nox", "--profile=" + profile(dirs.state)],
          env={"HOME": profile(dirs.state)})


def webui_up():
    code = nsrun(P.CLIENT_NS, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                               "--max-time", "1",
                               "http://127.0.0.1:%d/api/v2/app/version" % P.QB_PORT],
                 check=False, timeout=5)
    return code.strip() not in ("", "000")


def wait_ready(timeout=15):
    wait_until(webui_up, timeout, "qbittorrent-nox WebUI on 127.0.0.1:%d" % P.QB_PORT)


def restart_baseline(dirs):
    stop(dirs, [NAME], timeout=8)
    write_baseline(dirs.state)
    start(dirs)


def info(state):
    return {"url": "http://127.0.0.1:%d" % P.QB_PORT, "user": P.QB_USER, "pass": P.QB_PASS,
            "profile": profile(state), "conf": conf_path(state),
            "listen_port": P.QB_LISTEN_PORT, "downloads": os.path.join(profile(state), "downloads"),
            "log": os.path.join(profile(state), "qBittorrent", "data", "logs", "qbittorrent.log")}


def check_installed():
    if not shutil.which("qbittorrent-nox"):
        raise LabError("qbittorrent-nox is not installed: run scripts/deps lab")
