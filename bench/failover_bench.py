"""Failover: from the connected server's death to traffic flowing again through another server.

Needs pvpnd's health monitor (status.v1 `monitor`); without one the row says n/a. The daemon runs
with a short `[monitor]` interval so a run takes seconds; the target is interval x failures + 1 s.
"""
import time

import labtools
from labrun import Rpc, pvpn_timed, start_pvpnd
from probes import Watcher, since
from report import Row, median

INTERVAL, FAILURES = 2, 2
MONITOR_CONFIG = "[monitor]\ninterval = %d\nfailures = %d\n" % (INTERVAL, FAILURES)
# No --cc: the best P2P server by score is CH#1, the next one NL#2.
CONNECT = ("connect", "--p2p", "--fastest", "api")


def failover(lab, rtt, runs):
    samples, reason = [], None
    for _ in range(runs):
        info = lab.reset()
        lab.set_rtt(rtt)
        d = start_pvpnd(info, MONITOR_CONFIG)
        try:
            pvpn_timed(*CONNECT)
            rpc = Rpc()
            try:
                st = rpc.call("status.v1")
            finally:
                rpc.close()
            if not st.get("monitor"):
                return [], "n/a (no health monitor in this build)"
            behind = info["behind_ip"]
            if Watcher("pvl-client", "echo", behind, 7, timeout=5).time() is None:
                return [], "traffic did not flow through %s before the kill" % st["server"]["name"]
            slug = next(s["slug"] for s in info["servers"] if s["name"] == st["server"]["name"])
            t_kill = time.time()
            labtools.lab("kill", slug)
            flowing = Watcher("pvl-client", "echo", behind, 7, timeout=INTERVAL * FAILURES + 60).time()
            samples.append(since(t_kill, flowing))
        finally:
            d.stop()
    return samples, reason


def rows(samples, reason):
    limit = (INTERVAL * FAILURES + 1) * 1000.0
    target = "<= interval x failures + 1 s (%d x %d + 1 s)" % (INTERVAL, FAILURES)
    if reason:
        return [Row("failover: server death to traffic flowing", None, limit, target=target, note=reason)]
    return [Row("failover: server death to traffic flowing", median(samples), limit, target=target,
                note="median of %d; `scripts/lab kill` of the connected server, UDP echo to the behind host "
                     "every 20 ms" % len(samples), samples=samples)]
