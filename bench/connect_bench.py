"""Warm and cold `pvpn connect`, and the same job done by hand (wg-quick + natpmpc + curl).

Every run times, from the moment `pvpn connect` (or the hand script) starts:
- the first packet through the tunnel (tcpdump on the server's WireGuard interface),
- qBittorrent listening on the forwarded port (a new port every run: the lab's natpmp-port knob),
- when the command returned.
"""
import os
import re
import subprocess
import time

import labrun
import labtools
from labrun import WORK, cpu_ns, pvpn_timed, start_pvpnd
from probes import FirstPacket, Watcher, since
from report import Row, median

HAND_JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hand_job.sh")
CONNECT = ("connect", "--cc", "CH", "--p2p", "--fastest", "api")
SERVER = "CH#1"


def timed_run(server, port, start):
    """Runs start() (which returns its wall seconds) with the probes on; times in ms from its start."""
    labtools.lab("natpmp-port", server["slug"], str(port))
    first = FirstPacket(server)
    listen = Watcher("pvl-client", "listen", port, timeout=20)
    try:
        t0 = time.time()
        wall = start()
        return {"first_packet": since(t0, first.time()), "listening": since(t0, listen.time()),
                "returned": wall * 1000.0}
    finally:
        first.stop()
        listen.stop()


def pvpn_connect():
    return pvpn_timed(*CONNECT)[0]


def warm(lab, rtt, runs):
    """A daemon that has connected once (session, list and certificate cached) connects again."""
    info = lab.reset()
    lab.set_rtt(rtt)
    d = start_pvpnd(info)
    server = lab.server(SERVER)
    base = server["natpmp_default_port"]
    try:
        timed_run(server, base, pvpn_connect)          # fills the caches
        pvpn_timed("disconnect")
        samples = []
        for i in range(runs):
            samples.append(timed_run(server, base + 1 + i, pvpn_connect))
            pvpn_timed("disconnect")
        hand = hand_runs(info, server, base + 100, runs)
    finally:
        d.stop()
    return samples, hand


def hand_runs(info, server, base, runs):
    """wg-quick up of the config pvpn wrote for the same server (its key is still authorised there),
    natpmpc for UDP and TCP, curl to qBittorrent: the alternative users script today."""
    wg_dir = os.path.join(labrun.pvpn_lab.CONFIG_DIR, "wireguard")
    src = max((os.path.join(wg_dir, n) for n in os.listdir(wg_dir) if n.endswith(".conf")), key=os.path.getmtime)
    conf = os.path.join(WORK, "wgphand.conf")
    with open(src) as f:
        # wg-quick would call resolvconf for DNS =, which this machine does not have.
        text = "".join(l for l in f if not re.match(r"\s*DNS\s*=", l))
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    q = info["qbittorrent"]
    argv = ["ip", "netns", "exec", "pvl-client", "sh", HAND_JOB, conf, info["tunnel"]["gateway"],
            q["url"], q["user"], q["pass"], os.path.join(WORK, "hand-cookies")]

    def start():
        t = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
        return time.perf_counter() - t

    samples = []
    for i in range(runs):
        try:
            samples.append(timed_run(server, base + i, start))
        finally:
            labtools.client("wg-quick", "down", conf, check=False, timeout=30)
    return samples


def cold(lab, rtt, runs, slope_factor=5):
    """A new daemon with nothing cached: SRP login, server list, certificate, then the tunnel.
    Run at R and at slope_factor x R: the difference over (slope_factor - 1) x R counts the round
    trips on the critical path (a large difference, so that CPU noise weighs less)."""
    out = {}
    for r in (rtt, rtt * slope_factor):
        info = lab.reset()
        if r:
            lab.set_rtt(r)
        server = lab.server(SERVER)
        samples = []
        for i in range(runs):
            d = start_pvpnd(info)
            try:
                api_log = info["api"]["log"]
                before = os.path.getsize(api_log)
                cpu0 = cpu_ns(d.proc.pid)
                s = timed_run(server, server["natpmp_default_port"] + i, pvpn_connect)
                s["cpu"] = (cpu_ns(d.proc.pid) - cpu0) / 1e6
                with open(api_log, errors="replace") as f:
                    f.seek(before)
                    s["api_requests"] = sum(1 for l in f if " /" in l)
                samples.append(s)
                pvpn_timed("disconnect")
            finally:
                d.stop()
        out[r] = samples
    return out


def rows(rtt, warm_samples, hand_samples, cold_samples, slope_factor=5):
    R = float(rtt)

    def med(samples, key):
        return median([s[key] for s in samples])

    def in_r(v):
        return "%.1f R" % (v / R) if v is not None and R else "n/a"

    out = []
    wf, wl, wr = med(warm_samples, "first_packet"), med(warm_samples, "listening"), med(warm_samples, "returned")
    out.append(Row("warm connect: first packet through tunnel", wf, R + 100, target="<= 1 R + 100 ms",
                   note="median of %d; = %s; `pvpn connect` returned after %s ms" % (
                       len(warm_samples), in_r(wf), "%.0f" % wr if wr is not None else "n/a"),
                   samples=[s["first_packet"] for s in warm_samples]))
    out.append(Row("warm connect: port forwarded + qBittorrent listening", wl, 2 * R + 150,
                   target="<= 2 R + 150 ms", note="median of %d; = %s" % (len(warm_samples), in_r(wl)),
                   samples=[s["listening"] for s in warm_samples]))
    hf, hl = med(hand_samples, "first_packet"), med(hand_samples, "listening")
    out.append(Row("by hand (wg-quick+natpmpc+curl): first packet", hf, note="median of %d; = %s" % (
        len(hand_samples), in_r(hf)), samples=[s["first_packet"] for s in hand_samples]))
    out.append(Row("by hand: port forwarded + qBittorrent listening", hl, note="median of %d; = %s" % (
        len(hand_samples), in_r(hl)), samples=[s["listening"] for s in hand_samples]))
    out.append(Row("pvpn / by hand: first packet", wf / hf if wf and hf else None, unit="x"))
    out.append(Row("pvpn / by hand: port + qBittorrent", wl / hl if wl and hl else None, unit="x"))
    big = rtt * slope_factor
    cr, cb = cold_samples.get(rtt, []), cold_samples.get(big, [])
    cf, cfb = med(cr, "first_packet"), med(cb, "first_packet")
    rtts = (cfb - cf) / (big - R) if cf is not None and cfb is not None and big > R else None
    out.append(Row("cold connect: first packet through tunnel", cf, 6 * R + 200, target="<= 6 R + 200 ms",
                   note="median of %d; `pvpn connect` returned after %s ms; %s API requests" % (
                       len(cr), "%.0f" % med(cr, "returned") if cr else "n/a", med(cr, "api_requests")),
                   samples=[s["first_packet"] for s in cr]))
    out.append(Row("cold connect: round trips on the critical path", rtts, unit="",
                   note="(median at %d ms - median at %d ms) / %d ms, %d runs each: every TCP, TLS, API, "
                        "download and WireGuard round trip" % (big, rtt, big - rtt, len(cb))))
    cpu = med(cr, "cpu")
    model = rtts * R + cpu if rtts is not None and cpu is not None else None
    out.append(Row("cold connect: pvpnd CPU time (bcrypt included)", cpu,
                   note="pvpnd's own threads (schedstat), from connect to connected"))
    out.append(Row("cold connect: round trips x R + CPU (idle machine)", model, 6 * R + 200,
                   target="<= 6 R + 200 ms",
                   note="what the cold connect costs without CPU contention and without the lab API's own "
                        "processing time"))
    return out
