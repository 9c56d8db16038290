"""pvpnd + pvpn over the real socket: config writes, permissions, hostile clients."""
import grp
import json
import os
import socket
import stat
import time

import pytest

from conftest import Daemon, read_line, run_client


def test_init_with_flags_writes_the_expected_file(daemon):
    r = run_client(["init", "--proton", "--proton-user", "alice", "--proton-pass", "s3cr#t;pw",
                    "--wireguard-port", "51820"], daemon.socket)
    assert r.returncode == 0, r.stderr
    path = os.path.join(daemon.config_dir, "config.ini")
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) == 0o600
    text = open(path).read()
    assert "[protonvpn]" in text
    assert "user = alice" in text
    assert "pass = s3cr#t;pw" in text
    # Only the proton scope was touched.
    assert "[qbittorrent]" not in text and "[network]" not in text
    # The password never comes back over the socket, nor reaches the log.
    got = daemon.rpc("config.get.v1")
    assert "s3cr#t;pw" not in json.dumps(got)
    assert got["result"]["sections"]["protonvpn"]["pass"] == "********"
    assert "s3cr#t;pw" not in open(os.path.join(daemon.config_dir, "pvpn.log")).read()
    assert "s3cr#t;pw" not in daemon.log()


def test_init_scopes_touch_only_their_section(daemon):
    assert run_client(["init", "--network", "--ks-default", "true", "--threshold-default", "40"],
                      daemon.socket).returncode == 0
    path = os.path.join(daemon.config_dir, "config.ini")
    with open(path, "a") as f:
        f.write("\n# my note\n[custom]\nkeep = me\n")
    before = open(path).read()
    assert run_client(["init", "--qb", "--qb-url", "http://127.0.0.1:8080", "--qb-user", "admin"],
                      daemon.socket).returncode == 0
    after = open(path).read()
    assert "# my note\n[custom]\nkeep = me" in after
    net_before = before.split("[network]")[1].split("[")[0]
    net_after = after.split("[network]")[1].split("[")[0]
    assert net_before == net_after
    assert "url = http://127.0.0.1:8080" in after


def test_invalid_values_are_refused_by_the_client(daemon):
    r = run_client(["init", "--network", "--threshold-default", "300"], daemon.socket)
    assert r.returncode == 2
    assert "--threshold-default" in r.stderr
    assert not os.path.exists(os.path.join(daemon.config_dir, "config.ini"))


def test_invalid_values_are_refused_by_the_daemon_too(daemon):
    got = daemon.rpc("config.set.v1", {"network": {"threshold_default": 300}})
    assert got["error"]["code"] == -32602
    assert "threshold_default" in got["error"]["message"]
    got = daemon.rpc("config.set.v1", {"nosuch": {"x": "1"}})
    assert got["error"]["code"] == -32602


def test_a_broken_config_is_reported_and_never_overwritten(daemon):
    path = os.path.join(daemon.config_dir, "config.ini")
    os.makedirs(daemon.config_dir, exist_ok=True)
    broken = "[protonvpn]\nuser = bob\nthis line is wrong\n"
    open(path, "w").write(broken)
    r = run_client(["init", "--proton", "--proton-user", "carol"], daemon.socket)
    assert r.returncode == 5, r.stdout + r.stderr
    assert "config.ini" in r.stderr and "3" in r.stderr
    assert open(path).read() == broken


def test_non_root_may_read_but_not_control(daemon):
    for args in (["init", "--proton", "--proton-user", "mallory"], ["connect"], ["disconnect"]):
        r = run_client(args, daemon.socket, user="nobody")
        assert r.returncode == 4, (args, r.stdout, r.stderr)
        assert "permission denied" in r.stderr.lower()
        # One line tells how to get the right: join group pvpn (or use sudo).
        hints = [l for l in r.stderr.splitlines() if l.startswith("hint:")]
        assert len(hints) == 1 and "usermod -aG pvpn" in hints[0] and "sudo" in hints[0], r.stderr
    r = run_client(["status"], daemon.socket, user="nobody")
    assert r.returncode == 0, r.stderr
    assert "disconnected" in r.stdout.lower()
    assert not os.path.exists(os.path.join(daemon.config_dir, "config.ini"))


def test_a_member_of_the_control_group_may_control(workdir):
    # Use an existing group as the control group: no user database changes needed.
    group = grp.getgrnam("users")
    d = Daemon(workdir, control_group="users")
    try:
        r = run_client(["init", "--network", "--ks-default", "false"], d.socket, user="nobody",
                       group=group.gr_gid)
        assert r.returncode == 0, r.stderr
        r = run_client(["init", "--network", "--ks-default", "false"], d.socket, user="nobody")
        assert r.returncode == 4
    finally:
        d.stop()


def connect(daemon):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(daemon.socket)
    return s


def test_garbage_gets_a_parse_error_and_the_connection_closes(daemon):
    s = connect(daemon)
    s.sendall(b"\x00\xffthis is not json\n")
    reply = json.loads(read_line(s))
    assert reply["error"]["code"] == -32700
    assert s.recv(1) == b""  # closed by the daemon
    # The daemon still serves others.
    assert daemon.rpc("status.v1")["result"]["state"] == "disconnected"


def test_oversize_message_is_dropped_while_another_client_is_served(daemon):
    hog = connect(daemon)
    slow = connect(daemon)
    slow.sendall(b'{"jsonrpc":"2.0","id":1,')  # half a message, then silence
    sent = 0
    chunk = b"x" * 65536
    try:
        while sent < 10 * 1024 * 1024:
            hog.sendall(chunk)
            sent += len(chunk)
            if sent == 1024 * 1024:
                # Mid-flood, a third client is answered at once.
                t0 = time.monotonic()
                assert daemon.rpc("status.v1")["result"]["state"] == "disconnected"
                assert time.monotonic() - t0 < 2
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert sent < 10 * 1024 * 1024, "the daemon kept reading an endless line"
    # The daemon's RSS stays small: the 10 MB were never buffered.
    rss_kb = int([l for l in open(f"/proc/{daemon.proc.pid}/status") if l.startswith("VmRSS")][0].split()[1])
    assert rss_kb < 64 * 1024
    assert daemon.rpc("hello.v1")["result"]["api_version"] == 1
    slow.close()
    hog.close()


def test_unknown_method_and_wrong_params(daemon):
    assert daemon.rpc("nosuch.v1")["error"]["code"] == -32601
    assert daemon.rpc("status.v1", {"x": 1})["error"]["code"] == -32602
    assert daemon.rpc("config.set.v1", {"network": {"ks_default": [1]}})["error"]["code"] == -32602


def test_many_clients_at_once(daemon):
    socks = [connect(daemon) for _ in range(40)]
    for i, s in enumerate(socks):
        s.sendall((json.dumps({"jsonrpc": "2.0", "id": i, "method": "status.v1"}) + "\n").encode())
    for i, s in enumerate(socks):
        reply = json.loads(read_line(s))
        assert reply["id"] == i and reply["result"]["state"] == "disconnected"
        s.close()


def test_sigterm_shuts_down_cleanly_and_removes_the_socket(workdir):
    d = Daemon(workdir)
    d.proc.terminate()
    assert d.proc.wait(timeout=10) == 0
    assert not os.path.exists(d.socket)
    d.stop()


def test_socket_is_world_connectable(daemon):
    assert stat.S_IMODE(os.stat(daemon.socket).st_mode) == 0o666
