"""GET /vpn/v1/logicals and /vpn/v1/loads: the lab's servers from lab.json plus ~15,000 generated,
unreachable ones (entry IPs in labstate.BLACKHOLE_NET), in Proton's JSON shape (proton-api.md 3.1/3.2)."""
import base64
import gzip
import hashlib
import ipaddress
import json
import random
import threading
import time
from email.utils import formatdate

import geo
import labstate

GENERATED = 15000
SEED = 20261124
# Generated servers score worse than any lab server (lab.json scores must stay below this), so
# "fastest" (lowest Score) picks lab servers that work.
GENERATED_MIN_SCORE = 5.0
F_SECURE_CORE, F_TOR, F_P2P, F_STREAMING, F_IPV6 = 1, 2, 4, 8, 16


def _id(kind, name):
    return base64.urlsafe_b64encode(hashlib.sha512(("%s:%s" % (kind, name)).encode()).digest()).decode()


def _physical(name, index, entry_ip, exit_ip, domain, pubkey, status, label="0"):
    return {"ID": _id("physical", "%s/%d" % (name, index)), "EntryIP": entry_ip, "ExitIP": exit_ip,
            "Domain": domain, "Status": status, "Label": label, "X25519PublicKey": pubkey,
            "Generation": 0, "ServicesDownReason": None}


def _logical(name, entry_cc, exit_cc, city, lat, lon, tier, features, status, load, score, servers, domain):
    return {"ID": _id("logical", name), "Name": name, "EntryCountry": entry_cc, "ExitCountry": exit_cc,
            "HostCountry": None, "Domain": domain, "Tier": tier, "Features": features, "Status": status,
            "Load": load, "Score": score, "City": city, "Region": None, "State": None,
            "Location": {"Lat": lat, "Long": lon}, "EntryLocation": {"Lat": lat, "Long": lon},
            "ExitLocation": {"Lat": lat, "Long": lon}, "GatewayName": None, "Servers": servers}


def generate(taken_names, count=GENERATED):
    """Deterministic list of unreachable logical servers; names in taken_names are skipped."""
    rng = random.Random(SEED)
    hosts = list(ipaddress.ip_network(labstate.BLACKHOLE_NET).hosts())
    weights = [c[1] for c in geo.COUNTRIES]
    numbers = {}
    out = []
    while len(out) < count:
        code, _, free, cities = rng.choices(geo.COUNTRIES, weights)[0]
        secure_core = rng.random() < 0.05
        entry = rng.choice(geo.SECURE_CORE_ENTRIES) if secure_core else code
        if secure_core and entry == code:
            continue
        prefix = "%s-%s" % (entry, code) if secure_core else code
        numbers[prefix] = numbers.get(prefix, 0) + 1
        name = "%s#%d" % (prefix, numbers[prefix])
        if name in taken_names:
            continue
        city, lat, lon = rng.choice(cities)
        tier = 0 if (free and not secure_core and rng.random() < 0.15) else 2
        features = F_SECURE_CORE if secure_core else 0
        if tier == 2 and not secure_core:
            features |= F_P2P if rng.random() < 0.4 else 0
            features |= F_STREAMING if rng.random() < 0.3 else 0
            features |= F_TOR if rng.random() < 0.01 else 0
        features |= F_IPV6 if rng.random() < 0.5 else 0
        status = 0 if rng.random() < 0.03 else 1
        domain = "node-%s-%02d.protonvpn.lab.test" % (code.lower(), numbers[prefix] % 97 + 1)
        servers = []
        for i in range(1 if rng.random() < 0.7 else 2):
            entry_ip, exit_ip = str(rng.choice(hosts)), str(rng.choice(hosts))
            pub = base64.b64encode(rng.getrandbits(256).to_bytes(32, "little")).decode()
            servers.append(_physical(name, i, entry_ip, exit_ip, domain, pub, status, str(i)))
        load = rng.randint(5, 99) if status else 0
        score = round(GENERATED_MIN_SCORE + rng.uniform(0.0, 10.0) + load / 40.0, 6)
        out.append(_logical(name, entry, code, city, lat, lon, tier, features, status, load, score, servers, domain))
    return out


def lab_logicals(lab, knob_values):
    out = []
    for s in lab.get("servers", []):
        over = labstate.server_knobs(knob_values, s["slug"])
        status = int(over.get("status", 1))
        city, lat, lon = geo.location(s.get("exit_country", "CH"))
        phys = _physical(s["name"], 0, s["entry_ip"], s.get("exit_ip") or s["entry_ip"], s["domain"],
                         s["wg_pubkey"], status, s.get("label", "0"))
        out.append(_logical(s["name"], s.get("entry_country", "CH"), s.get("exit_country", "CH"),
                            s.get("city") or city, lat, lon, int(s.get("tier", 2)), int(s.get("features", 0)),
                            status, int(over.get("load", s.get("load", 30))),
                            float(over.get("score", s.get("score", 1.0))), [phys], s["domain"]))
    return out


def _items(logicals):
    return ",".join(json.dumps(l, separators=(",", ":")) for l in logicals)


class ServerList:
    """Caches serialized bodies; the lab part is rebuilt when lab.json or server knobs change."""

    def __init__(self, state):
        self.state = state
        self.lock = threading.Lock()
        self.generated = None
        self.cache_key = None
        self.cache = {}
        self.last_modified = time.time()

    def _refresh(self, knob_values):
        lab = labstate.lab(self.state)
        key = json.dumps([lab.get("servers"), knob_values.get("servers")], sort_keys=True)
        if self.generated is None:
            taken = {s.get("name") for s in lab.get("servers", [])}
            gen = generate(taken)
            self.generated = {
                "all": _items(gen),
                "sc": _items([l for l in gen if l["Features"] & F_SECURE_CORE]),
                "plain": _items([l for l in gen if not l["Features"] & F_SECURE_CORE]),
                "loads": _items([{"ID": l["ID"], "Load": l["Load"], "Score": l["Score"], "Status": l["Status"]}
                                 for l in gen]),
                "names": {l["Name"]: l for l in gen},
            }
        if key != self.cache_key:
            if self.cache_key is not None:
                self.last_modified = time.time()
            self.cache_key = key
            self.cache = {"lab": lab_logicals(lab, knob_values)}

    def refresh(self, knob_values):
        with self.lock:
            self._refresh(knob_values)

    def _body(self, variant, gz):
        if (variant, gz) not in self.cache:
            lab = self.cache["lab"]
            if variant == "loads":
                lab_part = [{"ID": l["ID"], "Load": l["Load"], "Score": l["Score"], "Status": l["Status"]} for l in lab]
            elif variant == "sc":
                lab_part = [l for l in lab if l["Features"] & F_SECURE_CORE]
            elif variant == "plain":
                lab_part = [l for l in lab if not l["Features"] & F_SECURE_CORE]
            else:
                lab_part = lab
            parts = [p for p in (_items(lab_part), self.generated[variant]) if p]
            body = ('{"Code":1000,"LogicalServers":[' + ",".join(parts) + "]}").encode()
            self.cache[(variant, gz)] = gzip.compress(body, 5) if gz else body
        return self.cache[(variant, gz)]

    def logicals(self, knob_values, secure_core_filter, gz=False):
        variant = {"all": "all", "securecore": "sc"}.get((secure_core_filter or "").lower(), "plain")
        with self.lock:
            self._refresh(knob_values)
            return self._body(variant, gz), self.http_date()

    def loads(self, knob_values, gz=False):
        with self.lock:
            self._refresh(knob_values)
            return self._body("loads", gz), self.http_date()

    def lookup(self, knob_values, name):
        with self.lock:
            self._refresh(knob_values)
            for l in self.cache["lab"]:
                if l["Name"] == name:
                    return l
            return self.generated["names"].get(name)

    def http_date(self):
        return formatdate(int(self.last_modified), usegmt=True)

    def modified_since(self, header):
        """True if the list changed after the If-Modified-Since date (or the header is absent/bad)."""
        from email.utils import parsedate_to_datetime
        if not header:
            return True
        try:
            since = parsedate_to_datetime(header).timestamp()
        except (TypeError, ValueError):
            return True
        return int(self.last_modified) > since
