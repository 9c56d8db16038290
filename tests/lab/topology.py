"""The lab's namespaces, links, addresses, routes, sysctls and base nft rules.

Nothing touches the host's namespace: every veth is created with both ends already in lab
namespaces, so no packet can leave the machine.
"""
import os
import shutil

import plan as P
from proc import ipb, nsrun, run, LabError

RESOLV = "nameserver %s\nnameserver %s\n" % (P.ISP_DNS4, P.ISP_DNS6)
RESOLV_NAMESPACES = (P.CLIENT_NS, P.LAN_NS, P.API_NS)


def lab_namespaces():
    """Every namespace named pvl-* that exists now."""
    out = run(["ip", "netns", "list"], timeout=5)
    return [line.split()[0] for line in out.splitlines()
            if line.strip() and line.split()[0].startswith(P.PREFIX)]


def namespaces(servers):
    return [P.CLIENT_NS, P.INET_NS, P.API_NS, P.LAN_NS, P.BEHIND_NS] + [s["ns"] for s in servers]


def create(servers):
    """Build the whole topology for the given server catalog."""
    ipb(None, ["netns add %s" % ns for ns in namespaces(servers)])
    links = [
        "link add %s netns %s type veth peer name %s netns %s"
        % (P.CLIENT_IF, P.CLIENT_NS, P.CLIENT_PEER_IF, P.INET_NS),
        "link add %s netns %s type veth peer name %s netns %s"
        % (P.LAN_IF, P.LAN_NS, P.LAN_PEER_IF, P.INET_NS),
        "link add %s netns %s type veth peer name %s netns %s"
        % (P.API_IF, P.API_NS, P.API_PEER_IF, P.INET_NS),
    ]
    for s in servers:
        up, up_peer = P.server_up_if(s["index"])
        bh, bh_peer = P.server_behind_if(s["index"])
        links.append("link add %s netns %s type veth peer name %s netns %s"
                     % (up, s["ns"], up_peer, P.INET_NS))
        links.append("link add %s netns %s type veth peer name %s netns %s"
                     % (bh, s["ns"], bh_peer, P.BEHIND_NS))
    ipb(None, links)
    _sysctls(servers)
    ipb(P.CLIENT_NS, client_lines())
    ipb(P.INET_NS, _inet_lines(servers))
    ipb(P.API_NS, ["link set lo up", "addr add %s/29 dev %s" % (P.API_IP, P.API_IF),
                   "link set %s up" % P.API_IF, "route add default via %s" % P.API_GW4])
    ipb(P.LAN_NS, ["link set lo up", "addr add %s/24 dev %s" % (P.LAN4, P.LAN_IF),
                   "addr add %s/64 dev %s nodad" % (P.LAN6, P.LAN_IF),
                   "link set %s up" % P.LAN_IF, "route add default via %s" % P.HOME_GW4,
                   "route add default via %s" % P.HOME_GW6])
    ipb(P.BEHIND_NS, _behind_lines(servers))
    for s in servers:
        ipb(s["ns"], _server_lines(s))
        nsrun(s["ns"], ["nft", "-f", "-"], input=_server_nft(s))
    for ns in RESOLV_NAMESPACES:
        write_resolv(ns)


def _sysctls(servers):
    common = ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
              "net.ipv6.conf.all.accept_ra=0", "net.ipv6.conf.default.accept_ra=0"]
    for ns in namespaces(servers):
        extra = []
        if ns == P.INET_NS:
            extra = ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]
        elif ns.startswith("pvl-s"):
            extra = ["net.ipv4.ip_forward=1", "net.ipv4.icmp_echo_ignore_all=1"]
        nsrun(ns, ["sysctl", "-q", "-w"] + common + extra)


def client_lines():
    """The client's baseline network (also what `reset` restores)."""
    return ["link set lo up",
            "addr add %s/24 dev %s" % (P.CLIENT4, P.CLIENT_IF),
            "addr add %s/64 dev %s nodad" % (P.CLIENT6, P.CLIENT_IF),
            "link set %s up" % P.CLIENT_IF,
            "route add default via %s dev %s" % (P.HOME_GW4, P.CLIENT_IF),
            "route add default via %s dev %s" % (P.HOME_GW6, P.CLIENT_IF)]


def _inet_lines(servers):
    lines = ["link set lo up"]
    for a in (P.ISP_DNS4, P.OUTSIDE4):
        lines.append("addr add %s/32 dev lo" % a)
    for a in (P.ISP_DNS6, P.OUTSIDE6):
        lines.append("addr add %s/128 dev lo nodad" % a)
    lines += ["link add %s type bridge" % P.HOME_BRIDGE,
              "link set %s master %s" % (P.CLIENT_PEER_IF, P.HOME_BRIDGE),
              "link set %s master %s" % (P.LAN_PEER_IF, P.HOME_BRIDGE),
              "addr add %s/24 dev %s" % (P.HOME_GW4, P.HOME_BRIDGE),
              "addr add %s/64 dev %s nodad" % (P.HOME_GW6, P.HOME_BRIDGE),
              "link set %s up" % P.CLIENT_PEER_IF, "link set %s up" % P.LAN_PEER_IF,
              "link set %s up" % P.HOME_BRIDGE,
              "addr add %s/29 dev %s" % (P.API_GW4, P.API_PEER_IF),
              "link set %s up" % P.API_PEER_IF,
              "route add blackhole %s" % P.UNREACHABLE4]
    for s in servers:
        _, peer = P.server_up_if(s["index"])
        lines += ["addr add %s/32 dev %s" % (P.SERVER_GW4, peer), "link set %s up" % peer,
                  "route add %s/32 dev %s" % (s["entry_ip"], peer),
                  "route add %s/32 dev %s" % (s["exit_ip"], peer)]
    return lines


def _behind_lines(servers):
    lines = ["link set lo up", "link add %s type bridge" % P.BEHIND_BRIDGE]
    for s in servers:
        _, peer = P.server_behind_if(s["index"])
        lines += ["link set %s master %s" % (peer, P.BEHIND_BRIDGE), "link set %s up" % peer]
    lines += ["addr add %s/26 dev %s" % (P.BEHIND_IP, P.BEHIND_BRIDGE),
              "link set %s up" % P.BEHIND_BRIDGE]
    return lines


def _server_lines(s):
    up, _ = P.server_up_if(s["index"])
    bh, _ = P.server_behind_if(s["index"])
    # 10.2.0.1 also sits on lo so the in-tunnel services can bind it while wireguard-go is down.
    return ["link set lo up", "addr add %s/32 dev lo" % P.TUN_GW4,
            "addr add %s/32 dev %s" % (s["entry_ip"], up),
            "addr add %s/32 dev %s" % (s["exit_ip"], up),
            "link set %s up" % up,
            "route add %s/32 dev %s" % (P.SERVER_GW4, up),
            "route add default via %s dev %s src %s" % (P.SERVER_GW4, up, s["entry_ip"]),
            "addr add %s/26 dev %s" % (s["behind_leg_ip"], bh), "link set %s up" % bh]


def _server_nft(s):
    up, _ = P.server_up_if(s["index"])
    bh, _ = P.server_behind_if(s["index"])
    return """table ip pvl_server {
 chain input { type filter hook input priority 0; policy accept;
  udp dport %d iifname != "lo" drop
 }
 chain post { type nat hook postrouting priority 100; policy accept;
  ip saddr 10.2.0.0/24 oifname "%s" snat to %s
  ip saddr 10.2.0.0/24 oifname "%s" masquerade
 }
}
""" % (P.WG_INNER_PORT, up, s["exit_ip"], bh)


def write_resolv(ns):
    """Write /etc/netns/<ns>/resolv.conf in place (it is bind-mounted by `ip netns exec`)."""
    d = os.path.join(P.NETNS_ETC, ns)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "resolv.conf")
    if os.path.islink(p) or (os.path.exists(p) and not os.path.isfile(p)):
        os.unlink(p)
    with open(p, "w") as f:
        f.write(RESOLV)


def delete_namespaces():
    for ns in lab_namespaces():
        run(["ip", "netns", "del", ns], timeout=10)
    left = lab_namespaces()
    if left:
        raise LabError("namespaces still present after delete: %s" % " ".join(left))
    if os.path.isdir(P.NETNS_ETC):
        for name in os.listdir(P.NETNS_ETC):
            if name.startswith(P.PREFIX):
                shutil.rmtree(os.path.join(P.NETNS_ETC, name), ignore_errors=True)
        if not os.listdir(P.NETNS_ETC):
            # The lab created it (ip netns does not); leave it only if something else uses it.
            os.rmdir(P.NETNS_ETC)
