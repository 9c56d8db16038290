"""The processes of each lab server: wireguard-go, the delay relay, the ICMP responder,
dnsmasq, the NAT-PMP gateway (P2P servers) and the local agent; and kill/revive."""
import base64
import json
import os
import socket
import sys
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

import knobs
import plan as P
from proc import LabError, ipb, nsrun, run, spawn, stop, wait_until

PY = "/usr/bin/python3"
AGENT = os.path.join(P.LAB_DIR, "api", "local_agent.py")


def make_key(state, s):
    """Generate the server's WireGuard key; store the private key; return the public key."""
    priv = x25519.X25519PrivateKey.generate()
    raw = priv.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    pub = priv.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)
    d = server_dir(state, s)
    os.makedirs(d, exist_ok=True)
    fd = os.open(os.path.join(d, "wg.key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(raw).decode() + "\n")
    return base64.b64encode(pub).decode()


def server_dir(state, s):
    return os.path.join(state, "servers", s["slug"])


def names(s):
    """The daemon names (pid/log files) of server s."""
    slug = s["slug"]
    out = ["wg-" + slug, "relay-" + slug, "icmp-" + slug, "dns-" + slug, "agent-" + slug]
    if s["p2p"]:
        out.append("natpmp-" + slug)
    return out


def wg_socket(ifname):
    return os.path.join(P.WG_RUN_DIR, ifname + ".sock")


def start_wg(dirs, s):
    spawn(dirs, "wg-" + s["slug"], s["ns"], ["wireguard-go", "-f", s["wg_if"]],
          env={"WG_PROCESS_FOREGROUND": "1"})


def configure_wg(dirs, s, conf=None):
    """Wait for wireguard-go's socket, then give it its key (or a saved config) and address."""
    sock = wg_socket(s["wg_if"])
    wait_until(lambda: os.path.exists(sock), 5, "wireguard-go socket " + sock)
    if conf:
        nsrun(s["ns"], ["wg", "setconf", s["wg_if"], conf])
    else:
        nsrun(s["ns"], ["wg", "set", s["wg_if"], "private-key",
                        os.path.join(server_dir(dirs.state, s), "wg.key"),
                        "listen-port", str(P.WG_INNER_PORT)])
    ipb(s["ns"], ["addr add %s/24 dev %s" % (P.TUN_GW4, s["wg_if"]),
                  "link set %s up" % s["wg_if"]])


def dnsmasq_argv(dirs, s, behind_ip):
    return ["dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            "--keep-in-foreground", "--log-facility=-", "--log-queries",
            "--pid-file=" + os.path.join(dirs.pids, "dns-%s.dnsmasq" % s["slug"]),
            "--listen-address=" + P.TUN_GW4, "--bind-interfaces", "--local=/lab.test/",
            "--address=/whoami.lab.test/" + s["exit_ip"],
            "--address=/behind.lab.test/" + behind_ip,
            "--address=/%s/%s" % (P.API_HOST, P.API_IP),
            "--address=/outside.lab.test/" + P.OUTSIDE4,
            "--address=/outside.lab.test/" + P.OUTSIDE6]


def start_services(dirs, s):
    """Everything but wireguard-go and the agent (the agent needs the PKI)."""
    st, slug = dirs.state, s["slug"]
    here = P.LAB_DIR
    spawn(dirs, "relay-" + slug, s["ns"],
          [PY, os.path.join(here, "udp_relay.py"), "--state", st, "--slug", slug,
           "--listen", "%s:%d" % (s["entry_ip"], P.WG_PORT),
           "--to", "127.0.0.1:%d" % P.WG_INNER_PORT])
    spawn(dirs, "icmp-" + slug, s["ns"],
          [PY, os.path.join(here, "icmp_responder.py"), "--state", st, "--slug", slug,
           "--public", s["entry_ip"], "--public", s["exit_ip"]])
    spawn(dirs, "dns-" + slug, s["ns"], dnsmasq_argv(dirs, s, P.BEHIND_IP))
    if s["p2p"]:
        start_natpmp(dirs, s)


def start_natpmp(dirs, s):
    spawn(dirs, "natpmp-" + s["slug"], s["ns"],
          [PY, os.path.join(P.LAB_DIR, "natpmp_gw.py"), "--state", dirs.state,
           "--slug", s["slug"]])


def start_agent(dirs, s):
    """Start the local agent if the API engineer's program exists; return whether it did."""
    if not os.path.exists(AGENT):
        return False
    spawn(dirs, "agent-" + s["slug"], s["ns"],
          [PY, AGENT, "--state", dirs.state, "--slug", s["slug"]])
    return True


def listeners(s, agent):
    """(ns, proto, addr, port) that must listen once server s is ready."""
    out = [(s["ns"], "udp", s["entry_ip"], P.WG_PORT), (s["ns"], "udp", P.TUN_GW4, 53),
           (s["ns"], "tcp", P.TUN_GW4, 53)]
    if s["p2p"]:
        out.append((s["ns"], "udp", P.TUN_GW4, P.NATPMP_PORT))
    if agent:
        out.append((s["ns"], "tcp", P.TUN_GW4, P.AGENT_PORT))
    return out


def saved_conf(dirs, s):
    return os.path.join(server_dir(dirs.state, s), "killed.conf")


def kill(dirs, s):
    """Make server s go silent: save its WireGuard config, stop wireguard-go, drop its
    relayed and ICMP traffic (knob servers.<slug>.down)."""
    knobs.set_knob(dirs.state, "servers.%s.down" % s["slug"], True)
    conf = saved_conf(dirs, s)
    if not os.path.exists(conf) and os.path.exists(wg_socket(s["wg_if"])):
        text = nsrun(s["ns"], ["wg", "showconf", s["wg_if"]])
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    stop(dirs, ["wg-" + s["slug"]])
    remove_stale_socket(s["wg_if"])


def revive(dirs, s):
    """Undo kill: wireguard-go back with the same key and peers, traffic flows again."""
    conf = saved_conf(dirs, s)
    if not os.path.exists(wg_socket(s["wg_if"])):
        start_wg(dirs, s)
        configure_wg(dirs, s, conf if os.path.exists(conf) else None)
    if os.path.exists(conf):
        os.unlink(conf)
    _add_current_peer(dirs, s)
    knobs.set_knob(dirs.state, "servers.%s.down" % s["slug"], None)


def _add_current_peer(dirs, s):
    """The API may have certified a new key while s was dead (its `wg set` then failed):
    authorise the key grants/cert.json marks current, as the API would have."""
    try:
        with open(os.path.join(dirs.state, "grants", "cert.json")) as f:
            grants = json.load(f)
    except (OSError, ValueError):
        return
    for key, rec in grants.items() if isinstance(grants, dict) else []:
        if isinstance(rec, dict) and rec.get("current") and rec.get("expires", 0) > time.time():
            nsrun(s["ns"], ["wg", "set", s["wg_if"], "peer", key, "allowed-ips",
                            P.TUN_CLIENT4 + "/32"])


def remove_peers(s):
    """Forget every WireGuard peer of server s (tests and the API add them)."""
    if not os.path.exists(wg_socket(s["wg_if"])):
        return
    peers = nsrun(s["ns"], ["wg", "show", s["wg_if"], "peers"]).split()
    if peers:
        argv = ["wg", "set", s["wg_if"]]
        for p in peers:
            argv += ["peer", p, "remove"]
        nsrun(s["ns"], argv)


def remove_stale_socket(ifname):
    """Remove /var/run/wireguard/<ifname>.sock if no process answers on it any more."""
    path = wg_socket(ifname)
    if not os.path.exists(path):
        return False
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(1)
    try:
        c.connect(path)
        return False
    except (ConnectionRefusedError, FileNotFoundError):
        pass
    except OSError as e:
        print("warning: cannot probe %s: %s" % (path, e), file=sys.stderr)
        return False
    finally:
        c.close()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    return True


def ensure_tools():
    for tool in ("wireguard-go", "wg", "dnsmasq", "nft", "ip"):
        try:
            run(["sh", "-c", "command -v " + tool], timeout=5)
        except LabError:
            raise LabError("%s is not installed: run scripts/deps lab" % tool)
