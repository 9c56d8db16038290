"""Test knobs: STATE/knobs.json, replaced atomically, re-read by the lab daemons on each use.

Keys are dotted paths: `rate_limit`, `servers.s1.delay_ms`. A missing file means all defaults.
"""
import fcntl
import json
import os

_cache = {}


def path(state):
    return os.path.join(state, "knobs.json")


def load(state):
    """The knobs as a dict; cached until the file changes; {} if missing or unreadable."""
    p = path(state)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return {}
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    hit = _cache.get(p)
    if hit and hit[0] == key:
        return hit[1]
    try:
        with open(p) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        data = {}
    _cache[p] = (key, data)
    return data


def server(state, slug):
    """The knobs of one server (`servers.<slug>`), {} by default."""
    s = load(state).get("servers", {})
    v = s.get(slug, {}) if isinstance(s, dict) else {}
    return v if isinstance(v, dict) else {}


def parse_value(text):
    """A knob value from the command line: JSON if it parses (1, true, "x"), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _locked_update(state, fn):
    os.makedirs(state, exist_ok=True)
    with open(os.path.join(state, "knobs.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path(state)) as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        fn(data)
        tmp = path(state) + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path(state))
        return data


def set_knob(state, key, value):
    """Set dotted key to value (None deletes it); returns the new knobs."""
    parts = key.split(".")
    if not all(parts):
        raise ValueError("bad knob name %r" % key)

    def apply(data):
        node = data
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value

    return _locked_update(state, apply)


def clear(state):
    try:
        os.unlink(path(state))
    except FileNotFoundError:
        pass
