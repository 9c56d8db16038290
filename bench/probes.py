"""Watching for the moments the benchmarks time, from outside the process under test.

- FirstPacket: tcpdump on a lab server's WireGuard interface (inside its namespace) records the
  kernel's timestamp of the first packet from the client's tunnel address: the first packet
  through the tunnel, as the server sees it. The lab's relays delay only the server's answers, so
  the client's packets reach the server at once and that moment is when the client could send.
- Watcher: bench/watch.py inside a namespace (qBittorrent listening on a port, a UDP echo answer).
"""
import os
import subprocess

WATCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "watch.py")


class FirstPacket:
    def __init__(self, server, src="10.2.0.2"):
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", server["ns"], "tcpdump", "-i", server["wg_if"], "-n", "-l", "-tt",
             "-c", "1", "--immediate-mode", "src", src],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said = []
        while not said or "listening on" not in said[-1]:
            line = self.proc.stderr.readline()
            if not line:
                self.stop()
                raise RuntimeError("tcpdump did not start: %s" % "".join(said))
            said.append(line)

    def time(self, timeout=15):
        """Wall-clock time of the first packet, or None if none came within timeout s."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            return None
        words = out.split()
        return float(words[0]) if words else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


class Watcher:
    """bench/watch.py WHAT ARGS in namespace ns; `time()` is the event's wall-clock time or None."""

    def __init__(self, ns, *args, timeout=30.0):
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", WATCH] + [str(a) for a in args]
                                     + ["--timeout", str(timeout)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        self.timeout = timeout
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise RuntimeError("watch.py %s did not start" % " ".join(map(str, args)))

    def time(self):
        try:
            out, _ = self.proc.communicate(timeout=self.timeout + 10)
        except subprocess.TimeoutExpired:
            self.stop()
            return None
        out = out.strip()
        return float(out) if out and out != "timeout" else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)


def since(t0, t):
    """Milliseconds from t0 to t (None stays None)."""
    return None if t is None else (t - t0) * 1000.0

