"""pvpnd under a service manager: sd_notify messages, and the one-shot modes
--boot-killswitch and --cleanup (these in a network namespace of their own, as root)."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import binary


def start_pvpnd(workdir, env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    log = open(os.path.join(workdir, "pvpnd.stderr"), "w")
    return subprocess.Popen(
        [binary("pvpnd"), "--socket", os.path.join(workdir, "pvpn.sock"),
         "--config-dir", os.path.join(workdir, "config"), "--run-dir", os.path.join(workdir, "run")],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)


def notify_socket(workdir):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = os.path.join(workdir, "notify.sock")
    s.bind(path)
    s.settimeout(20)
    return s, path


def receive_until(sock, wanted):
    """Datagrams (one or more KEY=VALUE lines each) until `wanted` was seen; all lines read."""
    lines = []
    while wanted not in lines:
        lines += sock.recv(4096).decode().splitlines()
    return lines


def test_ready_status_watchdog_and_stopping_reach_the_service_manager(workdir):
    sock, path = notify_socket(workdir)
    # 200 ms: pvpnd must send a keep-alive every half of it, from its event loop.
    proc = start_pvpnd(workdir, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    try:
        lines = receive_until(sock, "READY=1")
        # READY comes only once the control socket accepts connections.
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(os.path.join(workdir, "pvpn.sock"))
        c.close()
        assert any(l.startswith("STATUS=") for l in lines)
        # Keep-alives go on after READY.
        after = receive_until(sock, "WATCHDOG=1")
        assert "WATCHDOG=1" in receive_until(sock, "WATCHDOG=1")
        assert "READY=1" not in after
        proc.send_signal(signal.SIGTERM)
        receive_until(sock, "STOPPING=1")
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()


def test_no_watchdog_keepalives_unless_the_manager_asks(workdir):
    sock, path = notify_socket(workdir)
    proc = start_pvpnd(workdir, {"NOTIFY_SOCKET": path})
    try:
        lines = receive_until(sock, "READY=1")
        proc.send_signal(signal.SIGTERM)
        lines += receive_until(sock, "STOPPING=1")
        assert proc.wait(timeout=10) == 0
        assert "WATCHDOG=1" not in lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()


def in_netns(script, workdir):
    """Runs `script` with sh in a new network namespace that has two links besides lo."""
    if os.geteuid() != 0 or not shutil.which("nft"):
        pytest.skip("needs root and nft")
    # A sysfs of the new namespace, so that /sys/class/net lists its links.
    setup = "mount -t sysfs sysfs /sys && ip link add pvit0 type veth peer name pvit1 && "
    return subprocess.run(["unshare", "-n", "-m", "sh", "-c", setup + script], capture_output=True, text=True,
                          timeout=60, cwd=workdir)


def write_config(workdir, text):
    d = os.path.join(workdir, "config")
    os.makedirs(d, mode=0o700, exist_ok=True)
    with open(os.path.join(d, "config.ini"), "w") as f:
        f.write(text)


def pvpnd_cmd(workdir, mode):
    return "%s %s --socket %s/pvpn.sock --config-dir %s/config --run-dir %s/run" % (
        binary("pvpnd"), mode, workdir, workdir, workdir)


def test_boot_killswitch_blocks_only_when_asked_and_cleanup_removes_it(workdir):
    check = "; echo ---; nft list table inet pvpn 2>/dev/null; echo ---; "
    write_config(workdir, "[network]\nks_default = true\n")
    r = in_netns(pvpnd_cmd(workdir, "--boot-killswitch") + check, workdir)
    assert r.returncode == 0, r.stderr
    assert "table inet pvpn" not in r.stdout.split("---")[1]  # no autoconnect: nothing to do

    write_config(workdir, "[network]\nks_default = true\n[service]\nautoconnect = true\n")
    r = in_netns(pvpnd_cmd(workdir, "--boot-killswitch") + check +
                 pvpnd_cmd(workdir, "--cleanup") + check, workdir)
    assert r.returncode == 0, r.stdout + r.stderr
    parts = r.stdout.split("---")
    boot, cleaned = parts[1], parts[3]
    assert "table inet pvpn" in boot and "blocked" in boot
    # Both links may do DHCP while blocked: at boot they have no address yet.
    assert '"pvit0"' in boot and '"pvit1"' in boot and "udp dport 67" in boot
    assert "table inet pvpn" not in cleaned
    # The one-shot modes create no config dir, log or run dir of their own.
    assert sorted(os.listdir(os.path.join(workdir, "config"))) == ["config.ini"]
    assert not os.path.exists(os.path.join(workdir, "run"))


def test_one_shot_modes_leave_a_running_daemon_alone(workdir):
    proc = start_pvpnd(workdir, {})
    try:
        sock = os.path.join(workdir, "pvpn.sock")
        while not os.path.exists(sock):
            assert proc.poll() is None
            time.sleep(0.02)
        for mode in ("--cleanup", "--boot-killswitch"):
            r = subprocess.run([binary("pvpnd"), mode, "--socket", sock, "--config-dir",
                                os.path.join(workdir, "config"), "--run-dir", os.path.join(workdir, "run")],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 1
            assert "pvpn disconnect --ks false" in r.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
