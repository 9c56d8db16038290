"""A hand-made WireGuard client (wg + wireguard-go) reaches the behind host through a server."""
from labtools import HandClient, lab as labcmd, ping_rtts, resolve, wait_for, whoami


def test_hand_made_client_reaches_behind_host_and_tunnel_dns(lab):
    s1 = lab["servers"][0]
    out = lab["outside"]["ipv4"]
    with HandClient(s1, [lab["behind_ip"] + "/32", out + "/32"]):
        assert ping_rtts("pvl-client", "10.2.0.1", count=2)
        assert whoami("pvl-client", lab["behind_ip"]).endswith(" behind")
        assert resolve("pvl-client", "behind.lab.test", "10.2.0.1") == [lab["behind_ip"]]
        assert resolve("pvl-client", "whoami.lab.test", "10.2.0.1") == [s1["exit_ip"]]
        # the outside host sees the server's exit IP, not the client
        assert whoami("pvl-client", out) == "%s outside" % s1["exit_ip"]


def test_secure_core_server_exits_with_its_own_exit_ip(lab):
    sc = next(s for s in lab["servers"] if s["secure_core"])
    out = lab["outside"]["ipv4"]
    with HandClient(sc, [out + "/32"]):
        assert whoami("pvl-client", out) == "%s outside" % sc["exit_ip"]


def test_kill_silences_a_server_and_revive_brings_it_back(lab):
    s1 = lab["servers"][0]
    with HandClient(s1, [lab["behind_ip"] + "/32"]) as hc:
        assert ping_rtts("pvl-client", lab["behind_ip"], count=1)
        labcmd("kill", s1["slug"])
        assert not ping_rtts("pvl-client", s1["entry_ip"], count=1, wait=1)
        assert not ping_rtts("pvl-client", lab["behind_ip"], count=2, wait=1)
        hc.new_session()      # a handshake now goes unanswered
        assert not ping_rtts("pvl-client", lab["behind_ip"], count=1, wait=1)
        labcmd("revive", s1["slug"])
        assert ping_rtts("pvl-client", s1["entry_ip"], count=1)
        # Same server key and peers after revive: a fresh handshake works at once.
        hc.new_session()
        wait_for(lambda: ping_rtts("pvl-client", lab["behind_ip"], count=1, wait=1), 10,
                 "the tunnel to come back after revive")
