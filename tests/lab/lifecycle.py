"""Bringing the lab up, down, and back to its just-up state."""
import json
import os
import shutil
import time

import client
import knobs
import plan as P
import qbt
import sentinel
import servers as srv
import services
import topology
from proc import (Dirs, LabError, check_running, kill_pids, log_tail, nsrun, pid_names,
                  read_pid, run, start_time, stop, wait_until)


def dirs():
    return Dirs(P.state_dir())


def load_lab(d):
    try:
        with open(os.path.join(d.state, "lab.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        raise LabError("the lab is not up (no %s/lab.json): run scripts/lab up" % d.state)


def leftovers(d):
    """What a previous lab left on the machine (empty list = clean)."""
    out = ["namespace " + ns for ns in topology.lab_namespaces()]
    if os.path.exists(d.state):
        out.append("state dir " + d.state)
    if os.path.isdir(P.NETNS_ETC):
        out += ["/etc/netns/" + n for n in os.listdir(P.NETNS_ETC) if n.startswith(P.PREFIX)]
    if os.path.isdir(P.WG_RUN_DIR):
        out += [os.path.join(P.WG_RUN_DIR, n) for n in os.listdir(P.WG_RUN_DIR)
                if n.startswith(("pvls", "pvltc"))]
    return out


def down(d, quiet=False):
    """Remove every trace of the lab, whatever state it is in."""
    # 1. Lab daemons by pid file, then anything else still inside a lab namespace.
    recs = [read_pid(d, n) for n in pid_names(d)]
    kill_pids([r for r in recs if r])
    in_ns = []
    for ns in topology.lab_namespaces():
        out = run(["ip", "netns", "pids", ns], timeout=5, check=False)
        in_ns += [(int(p), start_time(int(p))) for p in out.split()]
    kill_pids(in_ns)
    # 2. Namespaces (their links, bridges and nft go with them) and /etc/netns/pvl-*.
    topology.delete_namespaces()
    # 3. wireguard-go sockets: the servers' and the self-tests' always, others if stale.
    if os.path.isdir(P.WG_RUN_DIR):
        for name in os.listdir(P.WG_RUN_DIR):
            path = os.path.join(P.WG_RUN_DIR, name)
            if name.startswith(("pvls", "pvltc")) and name.endswith(".sock"):
                os.unlink(path)
            elif name.startswith(client.WG_PREFIXES) and name.endswith(".sock"):
                srv.remove_stale_socket(name[:-5])
        if not os.listdir(P.WG_RUN_DIR):
            os.rmdir(P.WG_RUN_DIR)
    # 4. The state directory.
    if os.path.exists(d.state):
        _check_state_path(d.state)
        shutil.rmtree(d.state)
    left = leftovers(d)
    if left:
        raise LabError("down left behind: " + ", ".join(left))
    if not quiet:
        print("lab down: clean")


def _check_state_path(path):
    real = os.path.realpath(path)
    if not os.path.isabs(path) or real.count("/") < 2 or real in ("/run", "/tmp", "/var/run"):
        raise LabError("refusing to delete state dir %r: set PVPN_LAB_DIR to a dedicated "
                       "directory such as /run/pvpn-lab" % path)


def up(d, n_servers):
    t0 = time.monotonic()
    catalog = P.catalog(n_servers)
    if leftovers(d) or topology.lab_namespaces():
        print("lab: removing what a previous lab left")
        down(d, quiet=True)
    srv.ensure_tools()
    qbt.check_installed()
    os.makedirs(d.state, mode=0o755)
    os.makedirs(os.path.join(d.state, "grants"))
    for s in catalog:
        s["wg_pubkey"] = srv.make_key(d.state, s)
    os.makedirs(d.logs)
    os.makedirs(d.pids)
    lab = lab_json(d, catalog)
    write_json(os.path.join(d.state, "lab.json"), lab)
    pki = services.start_pki(d)
    topology.create(catalog)
    client.save_baseline(d.state)
    for s in catalog:
        srv.start_wg(d, s)
    qbt.write_baseline(d.state)
    qbt.start(d)
    services.start_internet(d, catalog)
    for s in catalog:
        srv.start_services(d, s)
    for s in catalog:
        srv.configure_wg(d, s)
    expect = services.internet_listeners()
    have_pki = services.wait_pki(d, pki)
    if not have_pki:
        print("lab: %s is missing: no PKI, no API, no local agents" % services.PKI)
    agents = have_pki and all([srv.start_agent(d, s) for s in catalog])
    if have_pki and not agents:
        print("lab: %s is missing: no local agents" % srv.AGENT)
    for s in catalog:
        expect += srv.listeners(s, agents)
    if have_pki and services.api_present():
        services.start_api(d)
        expect += services.api_listeners()
    elif have_pki:
        print("lab: %s is missing: no API" % services.API_SERVER)
    wait_ready(d, expect)
    qbt.wait_ready()
    print("lab up: %d servers in %.1fs; state in %s; see %s/lab.json"
          % (len(catalog), time.monotonic() - t0, d.state, d.state))
    return lab


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def lab_json(d, catalog):
    st = d.state
    pki = os.path.join(st, "pki")
    for s in catalog:
        s["natpmp_log"] = d.log("natpmp-" + s["slug"]) if s["p2p"] else None
        s["dns_log"] = d.log("dns-" + s["slug"])
    return {
        "state_dir": st,
        "client_ns": P.CLIENT_NS,
        "client": {"underlay_if": P.CLIENT_IF, "ipv4": P.CLIENT4, "gateway": P.HOME_GW4,
                   "ipv6": P.CLIENT6, "gateway6": P.HOME_GW6, "prefix4": 24, "prefix6": 64},
        "api": {"url": "https://" + P.API_HOST, "host": P.API_HOST, "ip": P.API_IP,
                "ns": P.API_NS, "ca_file": os.path.join(pki, "api-ca.pem"),
                "modulus_key_file": os.path.join(pki, "srp-modulus-key.asc"),
                "user": P.API_USER, "password": P.API_PASS, "totp_secret": P.API_TOTP,
                "log": d.log("api")},
        "qbittorrent": qbt.info(st),
        "isp_dns": P.ISP_DNS4, "isp_dns6": P.ISP_DNS6, "isp_dns_log": d.log("dns-isp"),
        "outside": {"ipv4": P.OUTSIDE4, "ipv6": P.OUTSIDE6, "tcp_port": 80, "udp_port": 7,
                    "name": "outside.lab.test"},
        "behind_ip": P.BEHIND_IP, "behind_name": "behind.lab.test",
        "lan_host": {"ns": P.LAN_NS, "ipv4": P.LAN4, "ipv6": P.LAN6, "tcp_ports": [22, 80]},
        "sentinel": {"ns": P.INET_NS, "if": P.CLIENT_PEER_IF,
                     "pcap": sentinel.pcap_path(st)},
        "unreachable_ipv4": P.UNREACHABLE4,
        "tunnel": {"gateway": P.TUN_GW4, "client_ip": P.TUN_CLIENT4, "dns": P.TUN_GW4,
                   "natpmp_port": P.NATPMP_PORT, "agent_port": P.AGENT_PORT},
        "servers": catalog,
    }


def wait_ready(d, expect, timeout=15):
    """Wait until every (ns, proto, addr, port) listens; fail early if a daemon died."""
    pending = set(expect)
    names = pid_names(d)

    def check():
        for n in names:
            if n not in ("sentinel",):
                check_running(d, n)
        for ns in sorted({e[0] for e in pending}):
            seen = _listening(ns)
            for e in [e for e in pending if e[0] == ns]:
                if (e[1], e[2], e[3]) in seen:
                    pending.discard(e)
        return not pending

    try:
        wait_until(check, timeout, "lab services to listen")
    except LabError as e:
        if pending:
            raise LabError("%s; still not listening: %s" % (e, ", ".join(
                "%s %s %s:%d" % p for p in sorted(pending))))
        raise


def _listening(ns):
    out = nsrun(ns, ["ss", "-Hlnut"], timeout=5)
    seen = set()
    for line in out.splitlines():
        w = line.split()
        if len(w) < 5:
            continue
        host, _, port = w[4].rpartition(":")
        host = host.strip("[]").split("%")[0]
        try:
            seen.add((w[0], host, int(port)))
        except ValueError:
            continue
    return seen


def reset(d):
    """Put a running lab back into its just-up state (see lab-contract.md for the list)."""
    t0 = time.monotonic()
    lab = load_lab(d)
    catalog = lab["servers"]
    sentinel.stop_capture(d)
    services.delay_link_off(d)
    if os.path.exists(sentinel.pcap_path(d.state)):
        os.unlink(sentinel.pcap_path(d.state))
    # Their state is thrown away anyway: a short grace period keeps reset fast.
    stop(d, [n for n in pid_names(d) if n.startswith(("natpmp-", "agent-")) or n == "api"],
         timeout=0.3)
    for s in catalog:
        srv.revive(d, s)
        srv.remove_peers(s)
    knobs.clear(d.state)
    grants = os.path.join(d.state, "grants")
    for name in os.listdir(grants):
        os.unlink(os.path.join(grants, name))
    # The API keeps sessions in api/state.json across restarts; a just-up lab has none.
    api_state = os.path.join(d.state, "api", "state.json")
    if os.path.exists(api_state):
        os.unlink(api_state)
    expect = services.internet_listeners()
    have_pki = os.path.isdir(os.path.join(d.state, "pki"))
    agents = have_pki and os.path.exists(srv.AGENT)
    for s in catalog:
        if s["p2p"]:
            srv.start_natpmp(d, s)
        if agents:
            srv.start_agent(d, s)
        expect += srv.listeners(s, agents)
    if have_pki and services.api_present():
        services.start_api(d)
        expect += services.api_listeners()
    # The client's cleanup and qBittorrent's restart overlap with those daemons' start-up.
    client.reset(d)
    qbt.restart_baseline(d)
    wait_ready(d, expect)
    qbt.wait_ready()
    client.check_baseline()
    print("lab reset in %.1fs" % (time.monotonic() - t0))


def status(d):
    """Print the lab's state; return True if everything expected runs."""
    lab = load_lab(d)
    ok = True
    print("state dir: %s" % d.state)
    print("namespaces: %s" % " ".join(topology.lab_namespaces()))
    for n in pid_names(d):
        rec = read_pid(d, n)
        running = bool(rec) and check_alive(d, n)
        ok = ok and (running or n == "sentinel")
        print("  %-14s %s" % (n, ("running pid %d" % rec[0]) if running else "DEAD"))
        if not running:
            print("    " + log_tail(d, n, 3).replace("\n", "\n    "))
    k = knobs.load(d.state)
    for s in lab["servers"]:
        sk = k.get("servers", {}).get(s["slug"], {})
        print("server %-3s %-8s %-15s %s%s%s" % (
            s["slug"], s["name"], s["entry_ip"], "DOWN " if sk.get("down") else "up ",
            "p2p " if s["p2p"] else "", " ".join("%s=%s" % kv for kv in sorted(sk.items())
                                                   if kv[0] != "down")))
    top = {kk: v for kk, v in k.items() if kk != "servers"}
    if top:
        print("knobs: %s" % json.dumps(top, sort_keys=True))
    return ok


def check_alive(d, name):
    try:
        check_running(d, name)
        return True
    except LabError:
        return False


def server_by_slug(d, slug):
    for s in load_lab(d)["servers"]:
        if s["slug"] == slug:
            return s
    raise LabError("no server %r (see scripts/lab status)" % slug)
