"""Without a tunnel the client reaches the internet, its LAN and the API, never the behind host."""
from labtools import client, ping_rtts, resolve, run, whoami


def test_client_reaches_outside_over_ipv4_and_ipv6(lab):
    out = lab["outside"]
    assert ping_rtts("pvl-client", out["ipv4"], count=1)
    assert ping_rtts("pvl-client", out["ipv6"], count=1)
    assert whoami("pvl-client", out["ipv4"]) == "%s outside" % lab["client"]["ipv4"]
    assert whoami("pvl-client", out["ipv6"]) == "%s outside" % lab["client"]["ipv6"]


def test_isp_dns_answers_lab_names_but_not_the_behind_name(lab):
    assert resolve("pvl-client", "vpn-api.lab.test", lab["isp_dns"]) == [lab["api"]["ip"]]
    assert resolve("pvl-client", "outside.lab.test", lab["isp_dns6"], "AAAA") == \
        [lab["outside"]["ipv6"]]
    assert resolve("pvl-client", lab["servers"][0]["domain"], lab["isp_dns"]) == \
        [lab["servers"][0]["entry_ip"]]
    assert resolve("pvl-client", "behind.lab.test", lab["isp_dns"]) == []


def test_client_resolv_conf_is_its_own(lab):
    text = client("cat", "/etc/resolv.conf").stdout
    assert "nameserver %s" % lab["isp_dns"] in text
    with open("/etc/netns/pvl-client/resolv.conf") as f:
        assert f.read() == text


def test_lan_host_is_beside_the_client(lab):
    assert whoami("pvl-client", lab["lan_host"]["ipv4"]) == "%s lan" % lab["client"]["ipv4"]
    # and the LAN host can reach the client directly (as an SSH session would)
    assert ping_rtts("pvl-lan", lab["client"]["ipv4"], count=1)


def test_behind_host_and_unreachable_servers_are_out_of_reach(lab):
    assert not ping_rtts("pvl-client", lab["behind_ip"], count=1, wait=1)
    assert whoami("pvl-client", lab["behind_ip"], timeout=2) == ""
    assert not ping_rtts("pvl-client", "203.0.113.200", count=1, wait=1)


def test_servers_answer_ping_on_their_entry_ip(lab):
    for s in lab["servers"]:
        assert ping_rtts("pvl-client", s["entry_ip"], count=1), s["slug"]


def test_no_lab_link_in_the_host_namespace(lab):
    names = run(["ip", "-o", "link", "show"]).stdout
    assert "pvl" not in names
