"""The lab's fixed plan: namespace and interface names, addresses, the server catalog, paths.

Every other lab module takes names from here, and docs/lab-contract.md is the written form
of the same plan. Only documentation ranges are used (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24, 2001:db8::/32) plus 10.2.0.0/24 inside tunnels.
"""
import os

PREFIX = "pvl-"
CLIENT_NS = "pvl-client"
INET_NS = "pvl-inet"
API_NS = "pvl-api"
LAN_NS = "pvl-lan"
BEHIND_NS = "pvl-behind"

# Client's home subnet: a bridge in pvl-inet joins the client, the LAN host and the router.
HOME_BRIDGE = "pvli-br"
CLIENT_IF = "pvlc0"                 # in pvl-client
CLIENT_PEER_IF = "pvli-c0"          # its bridge port in pvl-inet; the leak sentinel listens here
LAN_IF = "pvll0"                    # in pvl-lan
LAN_PEER_IF = "pvli-l0"
HOME_GW4, HOME_GW6 = "192.0.2.1", "2001:db8:1::1"
CLIENT4, CLIENT6 = "192.0.2.2", "2001:db8:1::2"
LAN4, LAN6 = "192.0.2.3", "2001:db8:1::3"
HOME_NET4, HOME_NET6 = "192.0.2.0/24", "2001:db8:1::/64"

# Internet services (addresses on pvl-inet's lo).
ISP_DNS4, ISP_DNS6 = "198.51.100.53", "2001:db8:2::53"
OUTSIDE4, OUTSIDE6 = "198.51.100.20", "2001:db8:2::20"

# The API stand-in's link: 198.51.100.8/29.
API_IF, API_PEER_IF = "pvla0", "pvli-a0"
API_GW4, API_IP = "198.51.100.9", "198.51.100.10"
API_HOST = "vpn-api.lab.test"
# The delay link (delay_link.py) in pvl-inet: what policy routing sends to table 97 goes through
# its TUN device and comes back `api.delay_ms` later (`scripts/lab slow api MS`).
DELAY_IF, DELAY_TABLE = "pvlid0", 97

# Servers: pvl-inet holds 203.0.113.1 on every server link and routes entry/exit /32s to it.
SERVER_GW4 = "203.0.113.1"
MAX_SERVERS = 50
# Addresses the API may hand out for its thousands of unreachable servers: routed to a blackhole.
UNREACHABLE4 = "203.0.113.128/25"

# The behind net: the behind host and one leg of every server, on a bridge in pvl-behind.
BEHIND_BRIDGE = "pvlb-br"
BEHIND_NET4 = "198.51.100.192/26"
BEHIND_IP = "198.51.100.254"

# Inside every server's tunnel.
TUN_GW4 = "10.2.0.1"
TUN_CLIENT4 = "10.2.0.2"
WG_PORT = 51820            # the delay relay's port on the entry IP
WG_INNER_PORT = 51821      # wireguard-go's own port, reachable only from the server's lo
NATPMP_PORT = 5351
AGENT_PORT = 65432

QB_PORT = 8080
QB_USER, QB_PASS = "admin", "labqbpass"
QB_LISTEN_PORT = 41000

API_USER, API_PASS, API_TOTP = "labuser", "labpass", "JBSWY3DPEHPK3PXP"

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
WG_RUN_DIR = "/var/run/wireguard"
NETNS_ETC = "/etc/netns"


def state_dir():
    return os.environ.get("PVPN_LAB_DIR", "/run/pvpn-lab")


def server_ns(i):
    return "pvl-s%d" % i


def server_wg_if(i):
    return "pvls%d" % i


def server_up_if(i):
    """The server's leg towards pvl-inet (in pvl-s<i>) and its peer in pvl-inet."""
    return "pvls%de" % i, "pvli-s%d" % i


def server_behind_if(i):
    """The server's leg towards the behind net (in pvl-s<i>) and its peer in pvl-behind."""
    return "pvls%db" % i, "pvlb-s%d" % i


def entry_ip(i):
    return "203.0.113.%d" % (10 + i)


def exit_ip(i):
    return "203.0.113.%d" % (60 + i)


def behind_leg_ip(i):
    return "198.51.100.%d" % (192 + i)


def natpmp_default_port(i):
    """The public port server i hands out unless the natpmp_port knob overrides it."""
    return 45000 + 111 * i


_FIRST = [
    # name, entry, exit, city, features, load, score
    ("CH#1", "CH", "CH", "Zurich", 4, 30, 1.2),
    ("NL#2", "NL", "NL", "Amsterdam", 4, 45, 1.5),
    ("US#3", "US", "US", "New York", 0, 20, 1.1),
    ("CH-SE#1", "CH", "SE", "Stockholm", 1, 10, 3.0),
]
_MORE = [("DE", "Frankfurt"), ("SE", "Stockholm"), ("JP", "Tokyo"), ("FR", "Paris"),
         ("GB", "London"), ("CA", "Toronto"), ("IT", "Milan"), ("ES", "Madrid")]


def catalog(n):
    """The lab's n servers as dicts (without keys); the first four are fixed by the contract."""
    if not 1 <= n <= MAX_SERVERS:
        raise ValueError("--servers must be between 1 and %d" % MAX_SERVERS)
    out = []
    for i in range(1, n + 1):
        if i <= len(_FIRST):
            name, entry, exit_cc, city, features, load, score = _FIRST[i - 1]
        else:
            cc, city = _MORE[(i - 5) % len(_MORE)]
            entry = exit_cc = cc
            name = "%s#%d" % (cc, i)
            features = 4 if i % 2 else 0
            load, score = 15 + (i * 7) % 70, round(1.0 + ((i * 37) % 30) / 10, 1)
        cc_part = entry.lower() if entry == exit_cc else "%s-%s" % (entry.lower(), exit_cc.lower())
        up_if, up_peer = server_up_if(i)
        out.append({
            "slug": "s%d" % i, "index": i, "name": name,
            "entry_country": entry, "exit_country": exit_cc, "city": city,
            "features": features, "tier": 2, "p2p": bool(features & 4),
            "secure_core": bool(features & 1),
            "ns": server_ns(i), "wg_if": server_wg_if(i), "uplink_if": up_if,
            "entry_ip": entry_ip(i), "wg_port": WG_PORT, "wg_inner_port": WG_INNER_PORT,
            "domain": "node-%s-%02d.lab.test" % (cc_part, i),
            "exit_ip": exit_ip(i), "behind_leg_ip": behind_leg_ip(i),
            "load": load, "score": score,
            "natpmp_default_port": natpmp_default_port(i) if features & 4 else None,
        })
    return out
