"""`--fastest ping` over ~500 candidates with the daemon's 1 s probe deadline, against a sequential
`ping -c1 -W1` loop over the same candidates.

The API's generated servers live in 203.0.113.128/25, blackholed by the lab. For this benchmark the
lower half (FARM) answers pings: pvl-inet routes it to server s1, where a local route makes every
address in it local, so s1's ICMP responder (which answers every echo delivered to its namespace)
replies; the replies go through the lab's delay link (RTT R). The upper half stays blackholed, so
about half the candidates never answer and cost the full probe deadline, as dead servers do.
"""
import json
import os
import subprocess
import sys
import time

import labrun
import labtools
import plan
from labrun import Rpc, pvpn_timed, start_pvpnd
from report import Row, median

sys.path.insert(0, os.path.join(labrun.REPO, "tests", "lab", "api"))
import serverlist  # noqa: E402

FARM = "203.0.113.128/26"
WANT = 500
COUNTRIES = ("AU", "SE", "ES", "JP", "CA", "FR", "IT", "CH", "NL", "GB", "DE", "US")


def farm_lines(s1, action):
    _, peer = plan.server_up_if(s1["index"])
    inet = ["route %s %s dev %s" % ("replace" if action == "add" else "del", FARM, peer),
            "rule %s iif %s from %s lookup %d pref %d" % (action, peer, FARM, plan.DELAY_TABLE, plan.DELAY_TABLE)]
    server = ["route %s local %s dev lo table local" % (action, FARM)]
    return inet, server


def farm(s1, action):
    """Turns the ping farm on ("add") or off ("del", going on past what is already gone)."""
    inet, server = farm_lines(s1, action)
    ip = ["ip"] if action == "add" else ["ip", "-force"]
    for ns, lines in ((plan.INET_NS, inet), (s1["ns"], server)):
        labtools.run(ip + ["-n", ns, "-batch", "-"], input="\n".join(lines) + "\n", check=action == "add")


def pick_filter(rpc):
    """The country (and load threshold) whose candidate count is closest to WANT."""
    best = None
    for cc in COUNTRIES:
        for threshold in (60, 100):
            params = {"cc": cc, "fastest": "api", "threshold": threshold}
            n = rpc.call("list.v1", params)["total"]
            if best is None or abs(n - WANT) < abs(best[0] - WANT):
                best = (n, cc, threshold)
    return best


def probe_addresses(info):
    """Name -> probe address (the first usable physical server's entry IP), as the daemon probes."""
    taken = {s["name"] for s in info["servers"]}
    out = {}
    for logical in serverlist.generate(taken):
        for phys in logical["Servers"]:
            if phys["Status"] == 1:
                out[logical["Name"]] = phys["EntryIP"]
                break
    for s in info["servers"]:
        out[s["name"]] = s["entry_ip"]
    return out


def sequential(addresses):
    """Seconds for `ping -c1 -W1` over addresses, one after the other, in the client namespace."""
    script = 'for a in %s; do ping -n -q -c1 -W1 "$a" >/dev/null; done' % " ".join(addresses)
    t = time.perf_counter()
    subprocess.run(["ip", "netns", "exec", "pvl-client", "sh", "-c", script], check=False,
                   capture_output=True, timeout=10 + 2 * len(addresses))
    return time.perf_counter() - t


def fastest_ping(lab, rtt, runs, sample):
    info = lab.reset()
    lab.set_rtt(rtt)
    s1 = lab.server("CH#1")
    d = start_pvpnd(info)
    res = {}
    farm(s1, "add")
    try:
        rpc = Rpc()
        try:
            rpc.call("list.v1", {"fastest": "api"})      # log in and load the list first
            n, cc, threshold = pick_filter(rpc)
        finally:
            rpc.close()
        args = ("--json", "list", "--cc", cc, "--threshold", str(threshold), "--fastest", "ping")
        walls, answered, order = [], 0, []
        for _ in range(runs):
            wall, p = pvpn_timed(*args)
            walls.append(wall)
            servers = json.loads(p.stdout)["servers"]
            answered = sum(1 for s in servers if s.get("latency_ms") is not None)
            order = [s["name"] for s in servers]
        addr = probe_addresses(info)
        step = max(1, len(order) // sample)
        picked = [addr[name] for name in order[::step][:sample] if name in addr]
        seq = sequential(picked)
        res = {"n": n, "cc": cc, "threshold": threshold, "walls": walls, "answered": answered,
               "seq_sample": len(picked), "seq_s": seq, "seq_est": seq / len(picked) * n if picked else None}
    finally:
        farm(s1, "del")
        d.stop()
    return res


def rows(res, rtt):
    wall = median(res["walls"])
    seq = res["seq_est"]
    return [
        Row("fastest by ping: %d candidates, 1 s probe deadline" % res["n"], wall, 1.2, unit="s",
            note="`pvpn list --cc %s --threshold %d --fastest ping`, median of %d; %d of %d answered "
                 "(RTT %d ms), the rest never do" % (res["cc"], res["threshold"], len(res["walls"]),
                                                     res["answered"], res["n"], rtt),
            samples=res["walls"]),
        Row("fastest by ping: sequential `ping -c1 -W1` loop", seq, unit="s",
            note="EXTRAPOLATED: %d of the %d candidates (evenly spread over the ranked list) took %.1f s, "
                 "x %d / %d" % (res["seq_sample"], res["n"], res["seq_s"], res["n"], res["seq_sample"])),
        Row("fastest by ping: pvpn / sequential loop", wall / seq if wall and seq else None, unit="x"),
    ]
