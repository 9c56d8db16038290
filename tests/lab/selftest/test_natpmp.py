"""natpmpc -g 10.2.0.1 through a hand-made tunnel: P2P servers map a port, others do not."""
import json
import os
import re
import subprocess
import time

from labtools import HandClient, STATE, client, lab as labcmd, ns, run

MAPPED = re.compile(r"Mapped public port (\d+) protocol (UDP|TCP) to local port (\d+) liftime (\d+)")


def natpmpc(*args, timeout=10):
    return client("timeout", str(timeout), "stdbuf", "-oL", "natpmpc", "-g", "10.2.0.1",
                  *args, check=False, timeout=timeout + 5)


def grant_cert(pub, pf=True, ttl=3600):
    path = os.path.join(STATE, "grants", "cert.json")
    with open(path + ".tmp", "w") as f:
        json.dump({pub: {"pf": pf, "expires": int(time.time()) + ttl}}, f)
    os.replace(path + ".tmp", path)


def grant_agent(slug, pf=True):
    path = os.path.join(STATE, "grants", "agent-%s.json" % slug)
    with open(path, "w") as f:
        json.dump({"pf": pf, "features": {"port-forwarding": pf}}, f)


def test_p2p_server_maps_udp_and_tcp_with_a_granted_certificate(lab):
    s1 = lab["servers"][0]
    assert s1["p2p"]
    with HandClient(s1, []) as hc:
        grant_cert(hc.pub)
        for proto in ("udp", "tcp"):
            p = natpmpc("-a", "1", "0", proto, "60")
            assert p.returncode == 0, p.stdout + p.stderr
            assert "Public IP address : %s" % s1["exit_ip"] in p.stdout
            port, got_proto, local, life = MAPPED.search(p.stdout).groups()
            assert (int(port), got_proto, int(local), int(life)) == \
                (s1["natpmp_default_port"], proto.upper(), s1["natpmp_default_port"], 60)
    with open(s1["natpmp_log"]) as f:
        log = f.read()
    assert log.count("op=1(udp)") == 1 and log.count("op=2(tcp)") == 1


def test_port_knob_changes_the_port_and_mapping_forwards_for_real(lab):
    s1 = lab["servers"][0]
    labcmd("natpmp-port", s1["slug"], "47001")
    peer = lab["outside"]["ipv4"]
    with HandClient(s1, [peer + "/32"]) as hc:
        grant_cert(hc.pub)
        p = natpmpc("-a", "1", "0", "tcp", "60")
        assert MAPPED.search(p.stdout).group(1) == "47001", p.stdout + p.stderr
        # a listener in the client is reachable from the outside host at exit_ip:47001
        listener = subprocess.Popen(["ip", "netns", "exec", "pvl-client", "socat", "-T", "5",
                                     "TCP-LISTEN:47001,bind=10.2.0.2,reuseaddr",
                                     "SYSTEM:echo forwarded"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            out = ns("pvl-inet", "socat", "-T", "3", "-", "TCP:%s:47001,bind=%s,connect-timeout=3" % (s1["exit_ip"], peer),
                     check=False, timeout=10, input="").stdout
            assert out.strip() == "forwarded"
        finally:
            listener.kill()
            listener.wait(5)


def test_not_granted_is_result_2_and_agent_grant_works(lab):
    s2 = lab["servers"][1]
    with HandClient(s2, []) as hc:
        grant_cert(hc.pub, pf=False)
        p = natpmpc("-a", "1", "0", "udp", "60")
        assert p.returncode != 0 and "not authorized" in p.stderr
        grant_agent(s2["slug"])
        p = natpmpc("-a", "1", "0", "udp", "60")
        assert p.returncode == 0 and MAPPED.search(p.stdout), p.stdout + p.stderr
        labcmd("knob", "pf_grant_mode", "cert")
        p = natpmpc("-a", "1", "0", "udp", "60")
        assert p.returncode != 0 and "not authorized" in p.stderr


def test_lifetime_zero_deletes_the_mapping(lab):
    s1 = lab["servers"][0]
    with HandClient(s1, []) as hc:
        grant_cert(hc.pub)
        assert natpmpc("-a", "1", "0", "udp", "60").returncode == 0
        assert "dport %d" % s1["natpmp_default_port"] in ns(s1["ns"], "nft", "list", "table",
                                                            "ip", "pvl_natpmp").stdout
        p = natpmpc("-a", "0", str(s1["natpmp_default_port"]), "udp", "0")
        assert p.returncode == 0 and "liftime 0" in p.stdout
        assert "dnat" not in ns(s1["ns"], "nft", "list", "table", "ip", "pvl_natpmp").stdout


def test_non_p2p_server_gives_no_mapping(lab):
    s3 = next(s for s in lab["servers"] if not s["p2p"] and not s["secure_core"])
    with HandClient(s3, []) as hc:
        grant_cert(hc.pub)
        t0 = time.monotonic()
        p = natpmpc("-a", "1", "0", "udp", "60")
        assert p.returncode != 0 and not MAPPED.search(p.stdout)
        assert "does not support nat-pmp" in p.stderr
        assert time.monotonic() - t0 < 5
    assert not os.path.exists(os.path.join(STATE, "logs", "natpmp-%s.log" % s3["slug"]))


def test_real_natpmpc_is_installed():
    assert run(["sh", "-c", "command -v natpmpc"], check=False).returncode == 0
