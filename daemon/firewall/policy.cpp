#include "daemon/firewall/policy.hpp"

#include "daemon/firewall/address_set.hpp"

#include <algorithm>
#include <cstdio>

namespace pvpn::firewall {
namespace ip = boost::asio::ip;

namespace {

// After conntrack (-200, so `ct state` is known) and mangle (-150), before the
// filter tables of iptables-nft, Docker, ufw and firewalld (0). The order only
// decides who counts a packet first: a drop in any base chain is final.
constexpr std::string_view hook_priority = "priority filter - 10; policy drop;";

constexpr std::string_view dns_ports = "meta l4proto { tcp, udp } th dport 53";

constexpr std::string_view nd_types =
    "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }";

// LAN-scoped multicast: link-local and site/organisation scopes only, so that
// discovery (mDNS, SSDP, LLMNR, IGMP/MLD) works but nothing globally routed.
std::vector<std::string> const lan_multicast_v4 = {"224.0.0.0/24", "239.0.0.0/8", "255.255.255.255"};
std::vector<std::string> const lan_multicast_v6 = {"ff02::/16", "ff05::/16"};

std::string hex_mark(std::uint32_t mark) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", mark);
    return buf;
}

std::string nft_quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

bool tunnel_mode(Mode mode) { return mode == Mode::connecting || mode == Mode::connected; }

// One chain's rules, each written as `nft list` prints it.
class Chain {
public:
    void add(std::string rule, std::string_view comment) {
        lines_ += "\t\t" + rule + " comment " + nft_quoted(comment) + "\n";
    }
    std::string const& text() const { return lines_; }

private:
    std::string lines_;
};

// The policy's inputs, split by family and filtered to what can be rendered.
struct Parts {
    std::string mark;
    std::string tunnel;                // empty: no tunnel rules
    std::vector<std::string> physical; // safe names only
    std::vector<std::string> lan4;     // canonical set elements
    std::vector<std::string> lan6;
    std::vector<std::string> lan6_link; // lan6 plus fe80::/10
};

Parts parts_of(Policy const& p) {
    Parts parts;
    parts.mark = hex_mark(p.fwmark);
    if (tunnel_mode(p.mode) && safe_interface_name(p.tunnel_interface)) parts.tunnel = p.tunnel_interface;
    for (auto const& name : p.physical_interfaces) {
        if (safe_interface_name(name) && std::find(parts.physical.begin(), parts.physical.end(), name) ==
                                             parts.physical.end())
            parts.physical.push_back(name);
    }
    if (p.allow_lan) {
        std::vector<net::IpPrefix> v4;
        std::vector<net::IpPrefix> v6;
        for (auto const& prefix : p.lan) (prefix.is_v4() ? v4 : v6).push_back(prefix);
        if (!v4.empty()) parts.lan4 = canonical_elements(v4);
        if (!v6.empty()) parts.lan6 = canonical_elements(v6);
        v6.push_back({ip::make_address("fe80::"), 10});
        parts.lan6_link = canonical_elements(v6);
    }
    return parts;
}

std::string family_word(ip::address const& a) { return a.is_v4() ? "ip" : "ip6"; }

// DNS goes to the tunnel's resolvers through the tunnel, and nowhere else.
void add_dns(Chain& c, Policy const& p, Parts const& parts) {
    if (!parts.tunnel.empty()) {
        for (auto const& server : p.tunnel_dns) {
            c.add("oifname " + nft_quoted(parts.tunnel) + " " + family_word(server) + " daddr " + server.to_string() +
                      " " + std::string(dns_ports) + " accept",
                  "DNS to the tunnel's resolver");
        }
    }
    c.add(std::string(dns_ports) + " drop", "any other DNS, LAN resolvers too: it would leak the names looked up");
}

std::string input_chain(Policy const& p, Parts const& parts) {
    Chain c;
    c.add("iif \"lo\" accept", "loopback: local services keep talking to each other");
    if (!parts.tunnel.empty()) c.add("iifname " + nft_quoted(parts.tunnel) + " accept", "everything arriving through the tunnel");
    if (tunnel_mode(p.mode)) {
        for (auto const& e : p.endpoints) {
            c.add(family_word(e.address()) + " saddr " + e.address().to_string() + " udp sport " +
                      std::to_string(e.port()) + " accept",
                  "WireGuard from the current server");
        }
    }
    c.add("ct state established,related ct mark " + parts.mark + " accept",
          "replies to pvpnd's own marked connections (Proton API, WireGuard)");
    for (auto const& dev : parts.physical) {
        c.add("iifname " + nft_quoted(dev) + " udp sport 67 udp dport 68 accept", "DHCPv4 replies: keep the lease");
        c.add("iifname " + nft_quoted(dev) + " udp sport 547 udp dport 546 accept", "DHCPv6 replies: keep the lease");
        c.add("iifname " + nft_quoted(dev) + " " + std::string(nd_types) + " accept",
              "IPv6 neighbour and router discovery on the physical link");
    }
    if (!parts.lan4.empty())
        c.add("ip saddr " + nft_value(parts.lan4) + " accept", "from the LAN (allow_lan): SSH and local services");
    if (!parts.lan6_link.empty())
        c.add("ip6 saddr " + nft_value(parts.lan6_link) + " accept", "from the LAN and IPv6 link-local (allow_lan)");
    c.add("counter packets 0 bytes 0 drop", "kill-switch: everything else is dropped, IPv4 and IPv6");
    return c.text();
}

std::string output_chain(Policy const& p, Parts const& parts) {
    Chain c;
    c.add("oif \"lo\" accept", "loopback: local services and DNS stubs");
    if (tunnel_mode(p.mode)) {
        for (auto const& e : p.endpoints) {
            c.add("meta mark " + parts.mark + " " + family_word(e.address()) + " daddr " + e.address().to_string() +
                      " udp dport " + std::to_string(e.port()) + " ct mark set " + parts.mark + " accept",
                  "WireGuard to the current server, only from the marked WireGuard socket");
        }
    }
    c.add("meta mark " + parts.mark + " tcp dport 443 ct mark set " + parts.mark + " accept",
          "pvpnd's own HTTPS to the Proton API (sockets it marks)");
    c.add("meta mark " + parts.mark + " icmp type echo-request ct mark set " + parts.mark + " accept",
          "pvpnd's latency probes to Proton servers (--fastest ping; sockets it marks)");
    add_dns(c, p, parts);
    if (!parts.tunnel.empty()) c.add("oifname " + nft_quoted(parts.tunnel) + " accept", "everything through the tunnel");
    for (auto const& dev : parts.physical) {
        c.add("oifname " + nft_quoted(dev) + " udp sport 68 udp dport 67 accept", "DHCPv4 requests: keep the lease");
        c.add("oifname " + nft_quoted(dev) + " udp sport 546 udp dport 547 accept", "DHCPv6 requests: keep the lease");
        c.add("oifname " + nft_quoted(dev) + " " + std::string(nd_types) + " accept",
              "IPv6 neighbour and router discovery on the physical link");
        c.add("oifname " + nft_quoted(dev) + " ip6 daddr ff02::16 icmpv6 type mld2-listener-report accept",
              "MLDv2 reports, or snooping switches stop forwarding neighbour solicitations");
    }
    if (!parts.lan4.empty())
        c.add("ip daddr " + nft_value(parts.lan4) + " accept", "to the LAN (allow_lan)");
    if (!parts.lan6_link.empty())
        c.add("ip6 daddr " + nft_value(parts.lan6_link) + " accept", "to the LAN and IPv6 link-local (allow_lan)");
    if (p.allow_lan) {
        c.add("ip daddr " + nft_value(lan_multicast_v4) + " accept",
              "LAN-scoped multicast and broadcast: discovery (mDNS, SSDP, IGMP)");
        c.add("ip6 daddr " + nft_value(lan_multicast_v6) + " accept",
              "link- and site-scoped IPv6 multicast: discovery (mDNS, SSDP, MLD)");
    }
    c.add("counter packets 0 bytes 0 drop", "kill-switch: everything else is dropped, IPv4 and IPv6");
    return c.text();
}

std::string forward_chain(Policy const& p, Parts const& parts) {
    Chain c;
    add_dns(c, p, parts);
    if (!parts.tunnel.empty()) {
        c.add("oifname " + nft_quoted(parts.tunnel) + " accept", "forwarded traffic (containers, VMs) leaves only by the tunnel");
        c.add("iifname " + nft_quoted(parts.tunnel) + " accept", "and comes back through it");
    }
    if (!parts.lan4.empty()) {
        c.add("ip daddr " + nft_value(parts.lan4) + " accept", "forwarded to the LAN (allow_lan)");
        c.add("ip saddr " + nft_value(parts.lan4) + " ct status dnat accept",
              "LAN clients to ports published by local containers; never routed out");
    }
    if (!parts.lan6.empty()) {
        c.add("ip6 daddr " + nft_value(parts.lan6) + " accept", "forwarded to the LAN (allow_lan)");
        c.add("ip6 saddr " + nft_value(parts.lan6) + " ct status dnat accept",
              "LAN clients to ports published by local containers; never routed out");
    }
    c.add("counter packets 0 bytes 0 drop", "kill-switch: nothing is routed around the tunnel");
    return c.text();
}

std::string base_chain(std::string_view name, std::string const& rules) {
    return "\tchain " + std::string(name) + " {\n\t\ttype filter hook " + std::string(name) + " " +
           std::string(hook_priority) + "\n" + rules + "\t}\n";
}

std::string chains_of(Policy const& p) {
    auto parts = parts_of(p);
    return base_chain("input", input_chain(p, parts)) + "\n" + base_chain("output", output_chain(p, parts)) + "\n" +
           base_chain("forward", forward_chain(p, parts));
}

// FNV-1a, 64 bits: identifies a ruleset, no security role.
std::string digest_of(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 0x100000001b3ull;
    }
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

constexpr std::string_view stamp_prefix = "comment \"pvpn kill-switch: mode=";

std::string stamp_comment(Stamp const& s) {
    return std::string(stamp_prefix) + std::string(mode_name(s.mode)) +
           " allow_lan=" + (s.allow_lan ? "yes" : "no") + " rules=" + s.digest + "\"";
}

std::string preamble() {
    std::string table = "table inet " + std::string(nft_table);
    return "add " + table + "\ndelete " + table + "\n";
}

} // namespace

std::string_view mode_name(Mode mode) {
    switch (mode) {
    case Mode::off: return "off";
    case Mode::blocked: return "blocked";
    case Mode::connecting: return "connecting";
    case Mode::connected: return "connected";
    }
    return "off";
}

bool safe_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-' || ch == '.';
    });
}

Result<void> validate(Policy const& p) {
    auto bad = [](std::string what) { return fail(Errc::invalid_params, "firewall policy: " + what); };
    if (p.mode == Mode::off) return {};
    if (p.fwmark == 0) return bad("the fwmark must not be 0");
    if (tunnel_mode(p.mode) && !safe_interface_name(p.tunnel_interface))
        return bad("invalid tunnel interface name \"" + p.tunnel_interface + "\"");
    for (auto const& name : p.physical_interfaces) {
        if (!safe_interface_name(name)) return bad("invalid interface name \"" + name + "\"");
    }
    for (auto const& e : p.endpoints) {
        if (e.port() == 0) return bad("endpoint " + e.address().to_string() + " has no port");
    }
    for (auto const& prefix : p.lan) {
        if (prefix.length > net::max_prefix_length(prefix.address))
            return bad("LAN prefix " + prefix.to_string() + " is too long");
    }
    return {};
}

std::optional<Stamp> stamp_of(Policy const& policy) {
    if (policy.mode == Mode::off) return std::nullopt;
    return Stamp{policy.mode, policy.allow_lan, digest_of(chains_of(policy))};
}

std::string render_nft(Policy const& policy) {
    if (policy.mode == Mode::off) return preamble();
    auto chains = chains_of(policy);
    Stamp stamp{policy.mode, policy.allow_lan, digest_of(chains)};
    return preamble() + "table inet " + std::string(nft_table) + " {\n\t" + stamp_comment(stamp) + "\n" + chains +
           "}\n";
}

std::optional<Stamp> read_stamp(std::string_view text) {
    auto at = text.find(stamp_prefix);
    if (at == std::string_view::npos) return std::nullopt;
    auto rest = text.substr(at + stamp_prefix.size());
    rest = rest.substr(0, rest.find('"'));
    // rest: "<mode> allow_lan=<yes|no> rules=<digest>"
    Stamp s;
    auto space = rest.find(' ');
    auto mode = rest.substr(0, space);
    bool known = false;
    for (auto m : {Mode::blocked, Mode::connecting, Mode::connected}) {
        if (mode == mode_name(m)) {
            s.mode = m;
            known = true;
        }
    }
    if (!known || space == std::string_view::npos) return std::nullopt;
    rest = rest.substr(space + 1);
    if (rest.starts_with("allow_lan=yes ")) s.allow_lan = true;
    else if (!rest.starts_with("allow_lan=no ")) return std::nullopt;
    auto rules = rest.find("rules=");
    if (rules == std::string_view::npos) return std::nullopt;
    s.digest = std::string(rest.substr(rules + 6));
    if (s.digest.size() != 16) return std::nullopt;
    return s;
}

} // namespace pvpn::firewall
