"""The leak sentinel reports what the client sends outside its tunnel, and only that."""
from labtools import HandClient, lab as labcmd, ping_rtts, whoami


def test_sentinel_reports_a_leak(lab):
    labcmd("sentinel", "start")
    assert ping_rtts("pvl-client", lab["outside"]["ipv6"], count=1)
    p = labcmd("sentinel", "report", check=False)
    assert p.returncode == 1
    assert "icmp6 %s -> %s" % (lab["client"]["ipv6"], lab["outside"]["ipv6"]) in p.stdout


def test_tunnel_traffic_and_allowed_lan_are_not_leaks(lab):
    s1 = lab["servers"][0]
    with HandClient(s1, [lab["outside"]["ipv4"] + "/32"]):
        ping_rtts("pvl-client", "10.2.0.1", count=1)    # handshake before the capture
        labcmd("sentinel", "start")
        assert whoami("pvl-client", lab["outside"]["ipv4"]).startswith(s1["exit_ip"])
        assert whoami("pvl-client", lab["lan_host"]["ipv4"]).endswith(" lan")
        p = labcmd("sentinel", "report", "--allow-lan", check=False)
        assert p.returncode == 0, p.stdout
        p = labcmd("sentinel", "report", check=False)
        assert p.returncode == 1 and "-> %s port 80" % lab["lan_host"]["ipv4"] in p.stdout
