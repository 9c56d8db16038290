"""`scripts/lab up` then `down` leaves no namespace, interface, process or file behind."""
import os

from labtools import STATE, lab as labcmd, run

# What marks a lab process: every lab daemon names the state dir or is one of these.
LAB_MARKS = (STATE, "wireguard-go -f pvl", "tests/lab/hostsvc.py")


def snapshot():
    procs = set()
    for line in run(["ps", "-eo", "pid=,stat=,args="]).stdout.splitlines():
        pid, stat, args = line.split(None, 2) if len(line.split(None, 2)) == 3 else (0, "", "")
        if not stat.startswith("Z") and any(m in args for m in LAB_MARKS) and "pytest" not in args:
            procs.add((pid, args))

    def listing(path):
        return sorted(os.listdir(path)) if os.path.isdir(path) else None

    return {"netns": run(["ip", "netns", "list"]).stdout,
            "links": sorted(l.split(":")[1].strip() for l in
                            run(["ip", "-o", "link", "show"]).stdout.splitlines()),
            "procs": procs, "wg": listing("/var/run/wireguard"), "etc_netns": listing("/etc/netns"),
            "state": os.path.exists(os.environ.get("PVPN_LAB_DIR", "/run/pvpn-lab"))}


def test_up_then_down_leaves_nothing(lab_session):
    labcmd("down", timeout=60)
    before = snapshot()
    assert before["state"] is False
    labcmd("up", timeout=120)
    during = snapshot()
    assert "pvl-client" in during["netns"] and during["procs"] - before["procs"]
    labcmd("down", timeout=60)
    after = snapshot()
    try:
        assert after == before
    finally:
        labcmd("up", timeout=120)     # the session's lab, for any test that runs after this one
