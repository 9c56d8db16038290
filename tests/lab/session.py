"""One test session at a time on the lab: an exclusive flock on /run/pvpn-lab.session.lock.

The lab's namespaces and its state directory (/run/pvpn-lab) are machine-wide, so the lock is too:
every pytest session that brings the lab up (the lab self-tests, pvpn's lab tests), from any
checkout, holds it for its whole run, so two sessions wait for each other instead of tearing down
each other's lab. `scripts/lab` commands lock tests/lab/lab.py instead, so they never wait on this.
"""
import fcntl
import os
import time

LOCK_PATH = "/run/pvpn-lab.session.lock"


def acquire(timeout=900, on_wait=None):
    """Block (at most timeout s) until this process holds the lab; return the fd to keep open."""
    fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    end = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > end:
                os.close(fd)
                raise TimeoutError("another lab test session held %s for %ds" % (LOCK_PATH, timeout))
            if on_wait and not told:
                on_wait()
                told = True
            time.sleep(0.5)


def release(fd):
    os.close(fd)
