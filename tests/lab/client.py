"""pvl-client's baseline (links, addresses, routes, rules, sysctls, nft, resolv.conf) and
putting it back after a test (used by `scripts/lab reset`)."""
import json
import os

import plan as P
import servers
import topology
from proc import LabError, ipb, kill_pids, nsrun, read_pid, run, start_time

SYSCTLS = ["net.ipv4.ip_forward", "net.ipv4.conf.all.src_valid_mark",
           "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter",
           "net.ipv4.conf.%s.rp_filter" % P.CLIENT_IF,
           "net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6",
           "net.ipv6.conf.%s.disable_ipv6" % P.CLIENT_IF, "net.ipv6.conf.lo.disable_ipv6",
           "net.ipv6.conf.all.forwarding"]
BASE_LINKS = ("lo", P.CLIENT_IF)
# wireguard-go interfaces the daemon (wgp*) and the self-tests (pvltc*) create in the client.
WG_PREFIXES = ("wgp", "pvltc")


def _sysctl_path(state):
    return os.path.join(state, "client-sysctl.json")


def save_baseline(state):
    out = nsrun(P.CLIENT_NS, ["sysctl"] + SYSCTLS)
    values = dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    with open(_sysctl_path(state), "w") as f:
        json.dump(values, f, indent=1)


def links():
    out = nsrun(P.CLIENT_NS, ["ip", "-o", "link", "show"])
    names = []
    for line in out.splitlines():
        parts = line.split(":", 2)
        if len(parts) > 2:
            names.append(parts[1].strip().split("@")[0])
    return names


def kill_processes(dirs, keep_names=("qbittorrent",)):
    """Kill every process in pvl-client except the named lab daemons."""
    keep = set()
    for n in keep_names:
        rec = read_pid(dirs, n)
        if rec:
            keep.add(rec[0])
    pids = run(["ip", "netns", "pids", P.CLIENT_NS], timeout=5).split()
    pids = [int(p) for p in pids if int(p) not in keep and int(p) != os.getpid()]
    kill_pids([(p, start_time(p)) for p in pids])


def reset(dirs):
    kill_processes(dirs)
    extra = [n for n in links() if n not in BASE_LINKS]
    if extra:
        ipb(P.CLIENT_NS, ["link del %s" % n for n in extra])
    for name in os.listdir(P.WG_RUN_DIR) if os.path.isdir(P.WG_RUN_DIR) else []:
        stem = name[:-5] if name.endswith(".sock") else None
        if stem and (stem.startswith(WG_PREFIXES) or stem in extra):
            servers.remove_stale_socket(stem)
    nsrun(P.CLIENT_NS, ["nft", "flush", "ruleset"])
    _flush_legacy_iptables()
    with open(_sysctl_path(dirs.state)) as f:
        values = json.load(f)
    nsrun(P.CLIENT_NS, ["sysctl", "-q", "-w"] + ["%s=%s" % kv for kv in values.items()])
    for fam in ("-4", "-6"):
        nsrun(P.CLIENT_NS, ["ip", fam, "rule", "flush"])
        for table in _route_tables(fam):
            nsrun(P.CLIENT_NS, ["ip", fam, "route", "flush", "table", table])
    # `ip rule flush` keeps only the local rule (priority 0): put the two defaults back.
    nsrun(P.CLIENT_NS, ["ip", "-4", "rule", "add", "priority", "32766", "lookup", "main"])
    nsrun(P.CLIENT_NS, ["ip", "-4", "rule", "add", "priority", "32767", "lookup", "default"])
    nsrun(P.CLIENT_NS, ["ip", "-6", "rule", "add", "priority", "32766", "lookup", "main"])
    ipb(P.CLIENT_NS, ["link set %s down" % P.CLIENT_IF, "addr flush dev %s" % P.CLIENT_IF,
                      "link set %s mtu 1500" % P.CLIENT_IF] + topology.client_lines())
    topology.write_resolv(P.CLIENT_NS)


def _route_tables(fam):
    """Every routing table with routes in the client except local."""
    out = nsrun(P.CLIENT_NS, ["ip", fam, "route", "show", "table", "all"])
    tables = {"main"}
    for line in out.splitlines():
        words = line.split()
        if "table" in words:
            i = words.index("table")
            if i + 1 < len(words):
                tables.add(words[i + 1])
    tables.discard("local")
    return sorted(tables)


def _flush_legacy_iptables():
    for names, tool in (("/proc/net/ip_tables_names", "iptables-legacy"),
                        ("/proc/net/ip6_tables_names", "ip6tables-legacy")):
        text = nsrun(P.CLIENT_NS, ["sh", "-c", "cat %s 2>/dev/null || true" % names])
        for table in text.split():
            nsrun(P.CLIENT_NS, [tool, "-t", table, "-F"])
            nsrun(P.CLIENT_NS, [tool, "-t", table, "-X"])
            if table == "filter":
                for chain in ("INPUT", "FORWARD", "OUTPUT"):
                    nsrun(P.CLIENT_NS, [tool, "-t", table, "-P", chain, "ACCEPT"])


def check_baseline():
    """Raise LabError unless the client has its baseline links (a cheap sanity check)."""
    missing = [n for n in BASE_LINKS if n not in links()]
    if missing:
        raise LabError("pvl-client lacks %s" % ", ".join(missing))
