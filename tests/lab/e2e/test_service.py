"""Issue 8 in the lab: pvpnd's service modes as the systemd units use them: connect at start
([service] autoconnect), the kill-switch at boot (pvpnd --boot-killswitch) and pvpnd --cleanup."""
import contextlib
import os

import labtools
from labtools import client, whoami
from pvpn_lab import (CONFIG_DIR, RESOLV_BACKUP, RUN_DIR, SOCKET, Pvpnd, binary, init_lab_account, pvpn,
                      snapshot, status, write_lab_config)


def one_shot(mode):
    return client(binary("pvpnd"), mode, "--socket", SOCKET, "--config-dir", CONFIG_DIR, "--run-dir", RUN_DIR,
                  "--resolv-backup", RESOLV_BACKUP, check=False)


def account_config(lab, sections):
    api = lab["api"]
    write_lab_config(lab, "user = %s\npass = %s\n%s" % (api["user"], api["password"], sections))


def wait_connected(d):
    try:
        labtools.wait_for(lambda: status()["state"] == "connected", 90, "autoconnect to connect")
    except AssertionError as e:
        raise AssertionError("%s\nstatus: %s\npvpnd's log:\n%s" % (e, status(), d.log()))


@contextlib.contextmanager
def api_in_hosts(lab):
    """The API's address in the client's /etc/hosts (ip netns exec binds /etc/netns/<ns>/hosts):
    once the kill-switch blocks, no DNS query leaves, so pvpnd must know the address already."""
    path = "/etc/netns/%s/hosts" % labtools.CLIENT
    with open("/etc/hosts") as f:
        hosts = f.read()
    with open(path, "w") as f:
        f.write(hosts + "\n%s %s\n" % (lab["api"]["ip"], lab["api"]["host"]))
    try:
        yield
    finally:
        os.unlink(path)


def pvpn_table():
    return client("nft", "list", "table", "inet", "pvpn", check=False).stdout


def test_autoconnect_connects_when_pvpnd_starts(lab, pvpnd):
    pvpnd.stop()
    account_config(lab, "[service]\nautoconnect = true\n")
    before = snapshot()
    d = Pvpnd().start()
    try:
        wait_connected(d)
        assert whoami("pvl-client", lab["behind_ip"], timeout=5), "no way through the tunnel"
        pvpn("disconnect")
        assert snapshot() == before
    finally:
        d.stop()


def test_boot_killswitch_blocks_until_autoconnect_connects_with_it(lab, pvpnd):
    pvpnd.stop()
    account_config(lab, "[network]\nks_default = true\n[service]\nautoconnect = true\n")
    before = snapshot()
    assert pvpn_table() == ""

    r = one_shot("--boot-killswitch")
    assert r.returncode == 0, r.stdout + r.stderr
    # Before any pvpnd runs: traffic is blocked (not even the outside host answers).
    assert "blocked" in pvpn_table()
    assert whoami("pvl-client", lab["outside"]["ipv4"], timeout=2) == ""

    with api_in_hosts(lab):
        d = Pvpnd().start()
        try:
            wait_connected(d)
            assert "connected" in pvpn_table()
            assert whoami("pvl-client", lab["behind_ip"], timeout=5), "no way through the tunnel"
            pvpn("disconnect", "--ks", "false")
            assert snapshot() == before
        finally:
            d.stop()


def test_boot_killswitch_does_nothing_unless_asked(lab, pvpnd):
    pvpnd.stop()
    account_config(lab, "[network]\nks_default = true\n")
    r = one_shot("--boot-killswitch")
    assert r.returncode == 0, r.stdout + r.stderr
    assert pvpn_table() == ""


def test_cleanup_after_a_crash_removes_tunnel_dns_and_killswitch(lab, pvpnd):
    init_lab_account(lab)
    before = snapshot()
    pvpnd.stop()
    with api_in_hosts(lab):
        d = Pvpnd().start()
        pvpn("connect", "--cc", "CH", "--fastest", "api", "--ks", "true")
        d.kill()
    # What the crash left: the tunnel and the kill-switch stay in force.
    assert "wgpch" in client("ip", "-o", "link").stdout
    assert pvpn_table() != ""
    r = one_shot("--cleanup")
    assert r.returncode == 0, r.stdout + r.stderr
    assert snapshot() == before
