"""`scripts/lab slow` adds RTT (and loss) to a server's entry IP and to its tunnel."""
from labtools import HandClient, lab as labcmd, ping_rtts


def test_slow_adds_rtt_to_ping_and_tunnel(lab):
    s1, s2 = lab["servers"][0], lab["servers"][1]
    assert max(ping_rtts("pvl-client", s1["entry_ip"])) < 50
    labcmd("slow", s1["slug"], "200")
    rtts = ping_rtts("pvl-client", s1["entry_ip"])
    assert len(rtts) == 3 and all(200 <= r < 400 for r in rtts), rtts
    assert max(ping_rtts("pvl-client", s2["entry_ip"])) < 50
    with HandClient(s1, [lab["behind_ip"] + "/32"]):
        ping_rtts("pvl-client", lab["behind_ip"], count=1, wait=3)   # handshake first
        rtts = ping_rtts("pvl-client", lab["behind_ip"], wait=3)
        assert len(rtts) == 3 and all(200 <= r < 400 for r in rtts), rtts
    labcmd("slow", s1["slug"], "0")
    assert max(ping_rtts("pvl-client", s1["entry_ip"])) < 50


def test_loss_drops_replies(lab):
    s1 = lab["servers"][0]
    labcmd("slow", s1["slug"], "0", "100")
    assert ping_rtts("pvl-client", s1["entry_ip"], count=3, wait=1) == []
