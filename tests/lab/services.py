"""Services outside the servers: the ISP's DNS, the outside/behind/LAN hosts, the PKI and
the Proton API stand-in (the last two are the API engineer's programs under tests/lab/api/)."""
import os
import subprocess

import knobs
import plan as P
from proc import LabError, ipb, is_running, nsrun, spawn, stop, wait_until

PY = "/usr/bin/python3"
API_DIR = os.path.join(P.LAB_DIR, "api")
PKI = os.path.join(API_DIR, "pki.py")
API_SERVER = os.path.join(API_DIR, "server.py")
HOSTSVC = os.path.join(P.LAB_DIR, "hostsvc.py")
DELAY_LINK = os.path.join(P.LAB_DIR, "delay_link.py")


def isp_dns_argv(dirs, servers):
    argv = ["dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--keep-in-foreground", "--log-facility=-", "--log-queries",
            "--pid-file=" + os.path.join(dirs.pids, "dns-isp.dnsmasq"),
            "--bind-interfaces", "--local=/lab.test/"]
    for a in (P.ISP_DNS4, P.ISP_DNS6, P.OUTSIDE4, P.OUTSIDE6):
        argv.append("--listen-address=" + a)
    names = [(P.API_HOST, P.API_IP), ("outside.lab.test", P.OUTSIDE4),
             ("outside.lab.test", P.OUTSIDE6), ("whoami.lab.test", P.ISP_DNS4),
             ("lan.lab.test", P.LAN4), ("lan.lab.test", P.LAN6)]
    names += [(s["domain"], s["entry_ip"]) for s in servers]
    argv += ["--address=/%s/%s" % n for n in names]
    return argv


def start_internet(dirs, servers):
    spawn(dirs, "dns-isp", P.INET_NS, isp_dns_argv(dirs, servers))
    spawn(dirs, "host-outside", P.INET_NS,
          [PY, HOSTSVC, "--name", "outside",
           "--tcp", "%s:80" % P.OUTSIDE4, "--tcp", "[%s]:80" % P.OUTSIDE6,
           "--udp", "%s:7" % P.OUTSIDE4, "--udp", "[%s]:7" % P.OUTSIDE6])
    spawn(dirs, "host-behind", P.BEHIND_NS,
          [PY, HOSTSVC, "--name", "behind", "--tcp", "%s:80" % P.BEHIND_IP,
           "--udp", "%s:7" % P.BEHIND_IP])
    spawn(dirs, "host-lan", P.LAN_NS,
          [PY, HOSTSVC, "--name", "lan", "--tcp", "%s:22" % P.LAN4, "--tcp", "%s:80" % P.LAN4,
           "--tcp", "[%s]:22" % P.LAN6, "--udp", "%s:7" % P.LAN4])


def internet_listeners():
    out = [(P.INET_NS, "udp", P.ISP_DNS4, 53), (P.INET_NS, "udp", P.ISP_DNS6, 53),
           (P.INET_NS, "tcp", P.OUTSIDE4, 80), (P.INET_NS, "tcp", P.OUTSIDE6, 80),
           (P.INET_NS, "udp", P.OUTSIDE4, 7),
           (P.BEHIND_NS, "tcp", P.BEHIND_IP, 80), (P.LAN_NS, "tcp", P.LAN4, 22)]
    return out


def start_pki(dirs):
    """Start pki.py generate in the background; returns the Popen, or None if it is absent."""
    if not os.path.exists(PKI):
        return None
    log = open(dirs.log("pki"), "w")
    try:
        return subprocess.Popen([PY, PKI, "generate", "--state", dirs.state],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    except OSError as e:
        raise LabError("cannot run %s: %s" % (PKI, e))
    finally:
        log.close()


def wait_pki(dirs, proc, timeout=60):
    if proc is None:
        return False
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise LabError("pki.py generate took more than %ds" % timeout)
    if rc != 0:
        with open(dirs.log("pki"), errors="replace") as f:
            raise LabError("pki.py generate failed (rc=%d):\n%s" % (rc, f.read()[-2000:]))
    return True


def api_present():
    return os.path.exists(API_SERVER)


def start_api(dirs):
    spawn(dirs, "api", P.API_NS, [PY, API_SERVER, "--state", dirs.state])


def api_listeners():
    return [(P.API_NS, "tcp", P.API_IP, 443)]


def slow_api(dirs, ms):
    """Add ms of round-trip time to the API (its answers go through the delay link); 0: direct."""
    knobs.set_knob(dirs.state, "api.delay_ms", ms or None)
    if not ms:
        delay_link_off(dirs)
        return
    if not is_running(dirs, "delay-link"):
        spawn(dirs, "delay-link", P.INET_NS, [PY, DELAY_LINK, "--state", dirs.state,
                                              "--ifname", P.DELAY_IF])
        wait_until(lambda: "UP" in nsrun(P.INET_NS, ["ip", "-o", "link", "show", P.DELAY_IF],
                                         check=False), 5, "the delay link " + P.DELAY_IF)
    ipb(P.INET_NS, ["route replace default dev %s table %d" % (P.DELAY_IF, P.DELAY_TABLE)])
    if P.API_PEER_IF not in _delay_rules():
        ipb(P.INET_NS, ["rule add iif %s lookup %d pref %d"
                        % (P.API_PEER_IF, P.DELAY_TABLE, P.DELAY_TABLE)])


def _delay_rules():
    return nsrun(P.INET_NS, ["ip", "rule", "show", "pref", str(P.DELAY_TABLE)])


def delay_link_off(dirs):
    """Nothing goes through the delay link any more (every rule to its table goes) and it stops."""
    while "lookup" in _delay_rules():
        ipb(P.INET_NS, ["rule del pref %d" % P.DELAY_TABLE])
    stop(dirs, ["delay-link"])
