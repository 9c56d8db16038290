"""Running commands and lab daemons: checked subprocess calls, pid files, bounded waits."""
import os
import signal
import subprocess
import time


class LabError(Exception):
    """A lab step failed; the message says which and why."""


def run(argv, timeout=15, check=True, input=None, env=None):
    """Run argv, return its stdout (text). Raise LabError on failure or timeout when check."""
    try:
        p = subprocess.run(argv, input=input, capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise LabError("timed out after %ss: %s" % (timeout, " ".join(argv)))
    except OSError as e:
        raise LabError("cannot run %s: %s" % (argv[0], e))
    if check and p.returncode != 0:
        raise LabError("failed (rc=%d): %s\n%s" % (p.returncode, " ".join(argv),
                                                   (p.stderr or p.stdout).strip()))
    return p.stdout


def nsrun(ns, argv, **kw):
    return run(["ip", "netns", "exec", ns] + list(argv), **kw)


def ipb(ns, lines, timeout=15):
    """Apply many `ip` commands in one process (`ip -batch`), in namespace ns (None = host)."""
    if not lines:
        return
    argv = ["ip"] + (["-n", ns] if ns else []) + ["-batch", "-"]
    run(argv, input="\n".join(lines) + "\n", timeout=timeout)


def wait_until(pred, timeout, what, interval=0.02):
    """Poll pred() until it is truthy; return its value or raise LabError after timeout s."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            raise LabError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)
        interval = min(interval * 1.5, 0.1)


def _stat_fields(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'.
    return data[data.rindex(")") + 2:].split()


def start_time(pid):
    f = _stat_fields(pid)
    return f[19] if f else None


def alive(pid, started=None):
    """True if pid runs (not a zombie) and, when given, has the recorded start time."""
    f = _stat_fields(pid)
    if not f or f[0] in ("Z", "X"):
        return False
    return started is None or f[19] == started


class Dirs:
    """The state directory's layout (see docs/lab-contract.md)."""

    def __init__(self, state):
        self.state = state
        self.pids = os.path.join(state, "pids")
        self.logs = os.path.join(state, "logs")

    def pidfile(self, name):
        return os.path.join(self.pids, name + ".pid")

    def log(self, name):
        return os.path.join(self.logs, name + ".log")


def spawn(dirs, name, ns, argv, env=None, truncate_log=True):
    """Start a lab daemon detached, in namespace ns; record its pid; return the pid.

    `ip netns exec` execs the program, so the pid recorded is the program's own.
    """
    os.makedirs(dirs.pids, exist_ok=True)
    os.makedirs(dirs.logs, exist_ok=True)
    full = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
    penv = dict(os.environ)
    penv.update(env or {})
    with open(dirs.log(name), "w" if truncate_log else "a") as log:
        try:
            p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True, env=penv, close_fds=True)
        except OSError as e:
            raise LabError("cannot start %s: %s" % (name, e))
    st = start_time(p.pid) or ""
    with open(dirs.pidfile(name), "w") as f:
        f.write("%d %s\n" % (p.pid, st))
    return p.pid      # the daemon outlives this command; its pid file is the handle


def read_pid(dirs, name):
    """(pid, start_time) from the pid file, or None."""
    try:
        with open(dirs.pidfile(name)) as f:
            parts = f.read().split()
        return int(parts[0]), (parts[1] if len(parts) > 1 else None)
    except (OSError, ValueError, IndexError):
        return None


def is_running(dirs, name):
    rec = read_pid(dirs, name)
    return bool(rec) and alive(*rec)


def pid_names(dirs):
    try:
        return sorted(f[:-4] for f in os.listdir(dirs.pids) if f.endswith(".pid"))
    except OSError:
        return []


def kill_pids(pids, timeout=3.0):
    """SIGTERM the (pid, start) pairs, wait up to timeout, SIGKILL the rest, wait again."""
    live = [(p, s) for p, s in pids if alive(p, s)]
    for p, _ in live:
        _signal(p, signal.SIGTERM)
    try:
        wait_until(lambda: not any(alive(p, s) for p, s in live), timeout, "processes to stop")
    except LabError:
        for p, s in live:
            if alive(p, s):
                _signal(p, signal.SIGKILL)
        wait_until(lambda: not any(alive(p, s) for p, s in live), 3, "killed processes to go")


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def stop(dirs, names, timeout=3.0):
    """Stop the named daemons (by pid file) and remove their pid files."""
    recs = [read_pid(dirs, n) for n in names]
    kill_pids([r for r in recs if r], timeout)
    for n in names:
        try:
            os.unlink(dirs.pidfile(n))
        except FileNotFoundError:
            pass


def log_tail(dirs, name, lines=15):
    try:
        with open(dirs.log(name), errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def check_running(dirs, name):
    """Raise LabError with the log tail if the daemon has died."""
    if not is_running(dirs, name):
        raise LabError("%s is not running; last lines of %s:\n%s"
                       % (name, dirs.log(name), log_tail(dirs, name)))
