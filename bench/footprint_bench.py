"""pvpnd's footprint while connected with the lab's ~15,000-server list loaded: memory, idle CPU and
wakeups, the `status` round trip (CLI process and raw JSON-RPC) and `list` over every server."""
import json
import os
import resource
import time

import labrun

from connect_bench import CONNECT
from labrun import Rpc, cpu_ns, pvpn_timed, run_slices, start_pvpnd
from report import Row, median


def memory_mib(pid):
    """VmRSS, VmHWM (peak RSS), RssAnon (heap and other private memory) and Pss (shared library
    pages divided among the processes that map them), in MiB."""
    out = {}
    for path in ("/proc/%d/status" % pid, "/proc/%d/smaps_rollup" % pid):
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "Pss"):
                    out[k] = int(v.split()[0]) / 1024.0
    return out


def wait_forwarded(rpc, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if rpc.call("status.v1")["port_forwarding"]["state"] == "active":
            return True
        time.sleep(0.1)
    return False


def settle(pid, timeout=60):
    """Waits until the connect's own after-work is done (servers.json written a while after the
    list was fetched), so that the idle window holds only what pvpnd does while idle."""
    cache = os.path.join(labrun.pvpn_lab.CONFIG_DIR, "servers.json")
    end = time.monotonic() + timeout
    while not os.path.exists(cache) and time.monotonic() < end:
        time.sleep(0.5)
    time.sleep(2)


def timed_calls(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def footprint(lab, rtt, idle_s, n_calls):
    info = lab.reset()
    lab.set_rtt(rtt)
    d = start_pvpnd(info)
    pid = d.proc.pid
    res = {}
    try:
        pvpn_timed(*CONNECT)
        rpc = Rpc()
        try:
            res["forwarded"] = wait_forwarded(rpc)
            res["mem"] = memory_mib(pid)
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            res["status_cli"] = timed_calls(lambda: pvpn_timed("status"), n_calls)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            res["status_cli_cpu"] = ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) * 1000.0 / n_calls
            c0 = cpu_ns(pid)
            res["status_rpc"] = timed_calls(lambda: rpc.call_raw("status.v1"), n_calls * 5)
            res["status_cpu"] = (cpu_ns(pid) - c0) / 1e6 / (n_calls * 5)
            every = {"fastest": "api", "threshold": 100}
            res["list_total"] = rpc.call("list.v1", every)["total"]
            n_list = max(3, n_calls // 4)
            c0 = cpu_ns(pid)
            res["list_rpc"] = timed_calls(lambda: rpc.call_raw("list.v1", every), n_list)
            res["list_cpu"] = (cpu_ns(pid) - c0) / 1e6 / n_list

            res["list_bytes"] = len(json.dumps(rpc.call("list.v1", every)))
            res["mem_after_list"] = memory_mib(pid)
        finally:
            rpc.close()
        settle(pid)
        c0, w0, t0 = cpu_ns(pid), run_slices(pid), time.monotonic()
        time.sleep(idle_s)
        c1, w1, t1 = cpu_ns(pid), run_slices(pid), time.monotonic()
        res["idle_s"] = t1 - t0
        res["cpu_pct"] = (c1 - c0) / 1e9 / (t1 - t0) * 100.0
        res["wakeups"] = (w1 - w0) / (t1 - t0)
        pvpn_timed("disconnect")
    finally:
        d.stop()
    return res


def rows(res):
    return [
        Row("footprint: pvpnd RSS, connected, 15k servers loaded", res["mem"]["VmRSS"], 16.0, unit="MiB",
            note="of which private (RssAnon) %.1f MiB; PSS %.1f MiB; after list.v1 of all servers RSS %.1f MiB; "
                 "peak (VmHWM) %.1f MiB; port forwarding %s" % (
                     res["mem"]["RssAnon"], res["mem"]["Pss"], res["mem_after_list"]["VmRSS"],
                     res["mem_after_list"]["VmHWM"], "active" if res["forwarded"] else "NOT active")),
        Row("footprint: pvpnd CPU, idle connected", res["cpu_pct"], 0.2, unit="%",
            note="over %.0f s (schedstat); the machine is shared, so CPU figures are noisy" % res["idle_s"]),
        Row("footprint: pvpnd wakeups per second, idle connected", res["wakeups"], unit="/s",
            note="times pvpnd's threads were scheduled in (/proc/<pid>/task/*/schedstat field 3)"),
        Row("`pvpn status` round trip: CLI process", median(res["status_cli"]), 5.0,
            note="median of %d runs of the pvpn binary (process start to exit: hello.v1 + status.v1); "
                 "the pvpn process's own CPU %.2f ms per run: the rest is waiting for a CPU" % (
                     len(res["status_cli"]), res["status_cli_cpu"])),
        Row("`pvpn status` round trip: raw JSON-RPC", median(res["status_rpc"]), 5.0,
            note="median of %d status.v1 calls on one open socket; pvpnd CPU %.2f ms per call" % (
                len(res["status_rpc"]), res["status_cpu"])),
        Row("list.v1 over every server, in the daemon", median(res["list_rpc"]), 50.0,
            note="%d servers (threshold 100, no Secure Core), reply %.1f MB, median of %d, raw JSON-RPC; "
                 "pvpnd CPU %.0f ms per call" % (res["list_total"], res["list_bytes"] / 1e6, len(res["list_rpc"]),
                                                  res["list_cpu"])),
    ]
