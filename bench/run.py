#!/usr/bin/python3
"""pvpn's benchmarks in the lab: brings the lab up (holding the machine-wide lab lock), runs every
benchmark with an emulated round-trip time, prints one table (target, measured median, ratio,
pass/miss). Needs root and a build (scripts/bench builds first). See docs/performance.md."""
import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import connect_bench  # noqa: E402
import failover_bench  # noqa: E402
import footprint_bench  # noqa: E402
import labrun  # noqa: E402
import ping_bench  # noqa: E402
from report import Row, table  # noqa: E402

ALL = ("connect", "footprint", "ping", "failover")


def parse(argv):
    ap = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2 runs each, 20 s idle window, small ping sample")
    ap.add_argument("--rtt", type=int, default=40, help="emulated round-trip time R in ms (default 40)")
    ap.add_argument("--runs", type=int, help="runs per timed benchmark (default 7; --quick 2)")
    ap.add_argument("--idle", type=float, help="idle window for CPU and wakeups, s (default 300; --quick 20)")
    ap.add_argument("--only", default=",".join(ALL), help="comma-separated subset of: " + ", ".join(ALL))
    a = ap.parse_args(argv)
    a.runs = a.runs or (2 if a.quick else 7)
    a.idle = a.idle if a.idle is not None else (20.0 if a.quick else 300.0)
    a.only = [x.strip() for x in a.only.split(",") if x.strip()]
    bad = [x for x in a.only if x not in ALL]
    if bad:
        ap.error("unknown benchmark(s): %s" % ", ".join(bad))
    return a


def section(name, fn):
    """Runs one benchmark; a failure becomes a row that says so instead of ending the run."""
    print("== %s ..." % name, flush=True)
    t = time.monotonic()
    try:
        rows = fn()
    except Exception as e:
        traceback.print_exc()
        rows = [Row(name, None, note="FAILED: %s" % str(e).splitlines()[0] if str(e) else type(e).__name__)]
    print("   %s done in %.0f s" % (name, time.monotonic() - t), flush=True)
    return rows


def main(argv):
    a = parse(argv)
    if os.geteuid() != 0:
        print("scripts/bench needs root (the lab: network namespaces, wireguard-go)", file=sys.stderr)
        return 1
    R = a.rtt
    rows = []
    started = time.time()
    load_before = labrun.loadavg()
    with labrun.Lab() as lab:
        if "connect" in a.only:
            def connect():
                cold = connect_bench.cold(lab, R, a.runs)
                warm, hand = connect_bench.warm(lab, R, a.runs)
                return connect_bench.rows(R, warm, hand, cold)
            rows += section("connect", connect)
        if "footprint" in a.only:
            rows += section("footprint", lambda: footprint_bench.rows(
                footprint_bench.footprint(lab, R, a.idle, 10 if a.quick else 30)))
        if "ping" in a.only:
            rows += section("ping", lambda: ping_bench.rows(
                ping_bench.fastest_ping(lab, R, max(1, a.runs // 2), 6 if a.quick else 20), R))
        if "failover" in a.only:
            rows += section("failover", lambda: failover_bench.rows(
                *failover_bench.failover(lab, R, a.runs if not a.quick else 1)))
    print()
    print("pvpn benchmarks, R = %d ms emulated RTT (API, WireGuard, NAT-PMP, ping), %d runs each%s" % (
        R, a.runs, " (--quick)" if a.quick else ""))
    print("%s; load average %s before, %s after; %d CPUs shared with other work: CPU and timing "
          "figures are noisy" % (time.strftime("%Y-%m-%d %H:%M", time.localtime(started)), load_before,
                                 labrun.loadavg(), os.cpu_count()))
    print()
    print(table(rows))
    return 1 if any(r.note.startswith("FAILED") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
