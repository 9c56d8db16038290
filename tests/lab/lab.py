#!/usr/bin/python3
"""scripts/lab: the pvpn lab's launcher (see docs/lab.md)."""
import argparse
import atexit
import fcntl
import os
import sys
import time

import knobs
import lifecycle as L
import plan as P
import sentinel
import servers as srv
import services
from proc import LabError, stop, wait_until

USAGE = """scripts/lab COMMAND
  up [--servers N]          build the lab (removes a previous one first); default 4 servers
  down                      remove everything the lab made
  status                    what runs; exit 1 if something expected is dead
  reset                     back to the just-up state (tests call it before each test)
  exec CMD...               run CMD in pvl-client
  knob KEY VALUE            set a knob in knobs.json (VALUE is JSON, else a string;
                            "null" deletes it), e.g. `knob require_2fa true`
  kill SLUG | revive SLUG   make server SLUG go silent / come back (same key, same peers)
  slow SLUG MS [LOSS%]      add MS ms of RTT and LOSS% loss to server SLUG (0 0 = normal)
  slow api MS               add MS ms of RTT to the Proton API stand-in (0 = normal)
  natpmp-port SLUG PORT     the public port server SLUG's NAT-PMP gateway hands out
  api down|up               stop / start the Proton API stand-in
  sentinel start|stop|report [--allow-lan] [--allow CIDR]... [--since UNIX_TIME]
"""


_LOCKS = []


def lock():
    """Serialise lab commands that change the lab (flock on this file; nothing left behind).
    The lock lasts until the process exits."""
    f = open(os.path.abspath(__file__))
    _LOCKS.append(f)
    atexit.register(f.close)

    def take():
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    wait_until(take, 180, "another scripts/lab command to finish", interval=0.1)


def need_root():
    if os.geteuid() != 0:
        raise LabError("the lab needs root (namespaces, wireguard-go, nft)")


def cmd_exec(argv):
    if not argv:
        raise LabError("usage: scripts/lab exec CMD...")
    if P.CLIENT_NS not in L.topology.lab_namespaces():
        raise LabError("the lab is not up: run scripts/lab up")
    os.execvp("ip", ["ip", "netns", "exec", P.CLIENT_NS] + argv)


def cmd_api(d, what):
    L.load_lab(d)
    if what == "down":
        stop(d, ["api"])
        print("api down")
    elif what == "up":
        if not services.api_present():
            raise LabError("%s does not exist" % services.API_SERVER)
        stop(d, ["api"])
        services.start_api(d)
        L.wait_ready(d, services.api_listeners())
        print("api up")
    else:
        raise LabError("usage: scripts/lab api down|up")


def cmd_sentinel(d, args):
    L.load_lab(d)
    ap = argparse.ArgumentParser(prog="scripts/lab sentinel")
    ap.add_argument("what", choices=["start", "stop", "report"])
    ap.add_argument("--allow-lan", action="store_true",
                    help="do not count traffic to the home subnet, link-local or multicast")
    ap.add_argument("--allow", action="append", default=[], metavar="CIDR",
                    help="do not count traffic to CIDR (repeatable)")
    ap.add_argument("--since", type=float, default=0.0, metavar="UNIX_TIME")
    a = ap.parse_args(args)
    if a.what == "start":
        sentinel.start(d)
        print("sentinel recording to %s" % sentinel.pcap_path(d.state))
    elif a.what == "stop":
        sentinel.stop_capture(d)
        print("sentinel stopped")
    else:
        # Let tcpdump write out what it captured in the last moment.
        time.sleep(0.05)
        if sentinel.report(d.state, a.allow_lan, a.allow, a.since):
            return 1
    return 0


def cmd_slow(d, args):
    if len(args) not in (2, 3):
        raise LabError("usage: scripts/lab slow SLUG MS [LOSS%] | slow api MS")
    if args[0] == "api":
        L.load_lab(d)
        ms = float(args[1])
        if ms < 0 or len(args) == 3:
            raise LabError("usage: scripts/lab slow api MS (MS >= 0)")
        services.slow_api(d, ms)
        print("api: +%g ms RTT" % ms)
        return
    s = L.server_by_slug(d, args[0])
    ms, loss = float(args[1]), float(args[2]) if len(args) == 3 else 0.0
    if ms < 0 or not 0 <= loss <= 100:
        raise LabError("MS must be >= 0 and LOSS between 0 and 100")
    knobs.set_knob(d.state, "servers.%s.delay_ms" % s["slug"], ms or None)
    knobs.set_knob(d.state, "servers.%s.loss_pct" % s["slug"], loss or None)
    print("%s: +%g ms RTT, %g%% loss" % (s["slug"], ms, loss))


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    need_root()
    d = L.dirs()
    if cmd == "exec":
        cmd_exec(args)
    if cmd == "status":
        return 0 if L.status(d) else 1
    if cmd == "knob":
        if len(args) != 2:
            raise LabError("usage: scripts/lab knob KEY VALUE")
        L.load_lab(d)
        value = knobs.parse_value(args[1])
        knobs.set_knob(d.state, args[0], value)
        print("%s = %s" % (args[0], "(default)" if value is None else args[1]))
        return 0
    lock()
    if cmd == "up":
        ap = argparse.ArgumentParser(prog="scripts/lab up")
        ap.add_argument("--servers", type=int, default=4)
        try:
            L.up(d, ap.parse_args(args).servers)
        except LabError as e:
            raise LabError("%s\n(the half-built lab is left for inspection: logs in %s; "
                           "`scripts/lab down` removes it)" % (e, d.logs))
    elif cmd == "down":
        L.down(d)
    elif cmd == "reset":
        L.reset(d)
    elif cmd in ("kill", "revive") and len(args) == 1:
        s = L.server_by_slug(d, args[0])
        (srv.kill if cmd == "kill" else srv.revive)(d, s)
        print("%s %s" % (s["slug"], "killed" if cmd == "kill" else "revived"))
    elif cmd == "slow":
        cmd_slow(d, args)
    elif cmd == "natpmp-port" and len(args) == 2:
        s = L.server_by_slug(d, args[0])
        port = int(args[1])
        if not 1 <= port <= 65535:
            raise LabError("PORT must be 1..65535")
        knobs.set_knob(d.state, "servers.%s.natpmp_port" % s["slug"], port)
        print("%s: NAT-PMP public port %d" % (s["slug"], port))
    elif cmd == "api" and len(args) == 1:
        cmd_api(d, args[0])
    elif cmd == "sentinel" and args:
        return cmd_sentinel(d, args)
    else:
        print(USAGE, end="", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except LabError as e:
        print("lab: error: %s" % e, file=sys.stderr)
        sys.exit(1)
    except ValueError as e:
        print("lab: error: %s" % e, file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
