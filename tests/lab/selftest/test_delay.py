"""`scripts/lab slow` adds RTT (and loss) to a server's entry IP and to its tunnel."""
from labtools import HandClient, client, lab as labcmd, ping_rtts


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


def api_connect_ms(lab):
    """The fastest of 3 TCP connects to the API from the client, in ms (SYN to SYN-ACK: one round trip)."""
    code = ("import socket, time\nbest = 1e9\nfor _ in range(3):\n t = time.monotonic()\n"
            " socket.create_connection((%r, 443), timeout=5).close()\n best = min(best, time.monotonic() - t)\n"
            "print(best * 1000)" % lab["api"]["ip"])
    return float(client("/usr/bin/python3", "-c", code).stdout)


def test_slow_api_adds_rtt_to_the_api_only_until_reset(lab):
    assert api_connect_ms(lab) < 50
    labcmd("slow", "api", "200")
    assert 200 <= api_connect_ms(lab) < 400
    rtts = ping_rtts("pvl-client", lab["api"]["ip"])
    assert len(rtts) == 3 and all(200 <= r < 400 for r in rtts), rtts
    # A TLS request makes several round trips, each one slower.
    p = client("curl", "-s", "-o", "/dev/null", "-w", "%{time_appconnect} %{time_total}",
               "--cacert", lab["api"]["ca_file"], lab["api"]["url"] + "/tests/ping", timeout=20)
    tls, total = (float(x) for x in p.stdout.split())
    assert tls >= 0.4 and total >= 0.6, p.stdout
    # Only the API: a server's entry IP answers as fast as before.
    assert max(ping_rtts("pvl-client", lab["servers"][0]["entry_ip"])) < 50
    labcmd("slow", "api", "0")
    assert api_connect_ms(lab) < 50
    labcmd("slow", "api", "200")
    labcmd("reset", timeout=60)
    assert api_connect_ms(lab) < 50
