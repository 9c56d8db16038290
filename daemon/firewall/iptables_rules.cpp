#include "daemon/firewall/iptables_rules.hpp"

#include <algorithm>
#include <array>

namespace pvpn::firewall {
namespace ip = boost::asio::ip;

namespace {

struct Hook {
    std::string_view builtin;
    std::string_view ours;
    int IptablesState::*jumps;
};

constexpr std::array<Hook, 3> hooks{{
    {"INPUT", "PVPN-IN", &IptablesState::input_jumps},
    {"OUTPUT", "PVPN-OUT", &IptablesState::output_jumps},
    {"FORWARD", "PVPN-FWD", &IptablesState::forward_jumps},
}};

std::string jump_line(Hook const& h) { return "-A " + std::string(h.builtin) + " -j " + std::string(h.ours); }

bool tunnel_mode(Mode mode) { return mode == Mode::connecting || mode == Mode::connected; }

bool in_family(ip::address const& a, IpFamily f) { return a.is_v4() == (f == IpFamily::v4); }

std::string host(ip::address const& a) { return a.to_string() + (a.is_v4() ? "/32" : "/128"); }

std::string hex(std::uint32_t v) {
    static char const digits[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[v & 0xf]);
        v >>= 4;
    } while (v);
    return "0x" + out;
}

class Script {
public:
    void rule(std::string_view chain, std::string const& spec, std::string_view target, std::string_view comment) {
        text_ += "-A " + std::string(chain) + " " + spec + (spec.empty() ? "" : " ") + "-m comment --comment \"" +
                 std::string(comment) + "\" -j " + std::string(target) + "\n";
    }
    void line(std::string const& l) { text_ += l + "\n"; }
    std::string const& text() const { return text_; }

private:
    std::string text_;
};

struct Inputs {
    IpFamily family;
    std::string mark;
    std::string tunnel;
    std::vector<std::string> physical;
    std::vector<std::string> lan;      // canonical prefixes of this family
    std::vector<std::string> lan_link; // plus fe80::/10 for IPv6
};

std::string prefix_text(net::IpPrefix const& p) { return p.network().to_string(); }

Inputs inputs_of(Policy const& p, IpFamily family) {
    Inputs in{family, hex(p.fwmark), {}, {}, {}, {}};
    if (tunnel_mode(p.mode) && safe_interface_name(p.tunnel_interface)) in.tunnel = p.tunnel_interface;
    for (auto const& name : p.physical_interfaces) {
        if (safe_interface_name(name) && std::find(in.physical.begin(), in.physical.end(), name) == in.physical.end())
            in.physical.push_back(name);
    }
    if (p.allow_lan) {
        for (auto const& prefix : p.lan) {
            auto text = prefix_text(prefix);
            if (in_family(prefix.address, family) && std::find(in.lan.begin(), in.lan.end(), text) == in.lan.end())
                in.lan.push_back(text);
        }
        in.lan_link = in.lan;
        if (family == IpFamily::v6) in.lan_link.push_back("fe80::/10");
    }
    return in;
}

void dns_rules(Script& s, std::string_view chain, Policy const& p, Inputs const& in) {
    for (auto proto : {"udp", "tcp"}) {
        if (!in.tunnel.empty()) {
            for (auto const& server : p.tunnel_dns) {
                if (!in_family(server, in.family)) continue;
                s.rule(chain, "-o " + in.tunnel + " -d " + host(server) + " -p " + proto + " -m " + proto + " --dport 53",
                       "ACCEPT", "DNS to the tunnel's resolver");
            }
        }
        s.rule(chain, std::string("-p ") + proto + " -m " + proto + " --dport 53", "DROP",
               "any other DNS, LAN resolvers too: it would leak the names looked up");
    }
}

void marked_accept(Script& s, std::string const& spec, Inputs const& in, std::string_view comment) {
    auto marked = spec + " -m mark --mark " + in.mark;
    s.rule("PVPN-OUT", marked, "CONNMARK --set-mark " + in.mark, comment);
    s.rule("PVPN-OUT", marked, "ACCEPT", comment);
}

void fill_chains(Script& s, Policy const& p, Inputs const& in) {
    bool const v4 = in.family == IpFamily::v4;
    std::string const icmp = v4 ? "" : "-p ipv6-icmp -m icmp6 --icmpv6-type ";
    // PVPN-IN
    s.rule("PVPN-IN", "-i lo", "ACCEPT", "loopback: local services keep talking to each other");
    if (!in.tunnel.empty()) s.rule("PVPN-IN", "-i " + in.tunnel, "ACCEPT", "everything arriving through the tunnel");
    if (tunnel_mode(p.mode)) {
        for (auto const& e : p.endpoints) {
            if (!in_family(e.address(), in.family)) continue;
            s.rule("PVPN-IN", "-s " + host(e.address()) + " -p udp -m udp --sport " + std::to_string(e.port()), "ACCEPT",
                   "WireGuard from the current server");
        }
    }
    s.rule("PVPN-IN", "-m conntrack --ctstate RELATED,ESTABLISHED -m connmark --mark " + in.mark, "ACCEPT",
           "replies to pvpnd's own marked connections (Proton API, WireGuard)");
    for (auto const& dev : in.physical) {
        s.rule("PVPN-IN", "-i " + dev + (v4 ? " -p udp -m udp --sport 67 --dport 68" : " -p udp -m udp --sport 547 --dport 546"),
               "ACCEPT", v4 ? "DHCPv4 replies: keep the lease" : "DHCPv6 replies: keep the lease");
        if (!v4) {
            for (int type = 133; type <= 136; ++type)
                s.rule("PVPN-IN", "-i " + dev + " " + icmp + std::to_string(type), "ACCEPT",
                       "IPv6 neighbour and router discovery on the physical link");
        }
    }
    for (auto const& prefix : in.lan_link)
        s.rule("PVPN-IN", "-s " + prefix, "ACCEPT", "from the LAN (allow_lan): SSH and local services");
    s.rule("PVPN-IN", "", "DROP", "kill-switch: everything else is dropped");

    // PVPN-OUT
    s.rule("PVPN-OUT", "-o lo", "ACCEPT", "loopback: local services and DNS stubs");
    if (tunnel_mode(p.mode)) {
        for (auto const& e : p.endpoints) {
            if (!in_family(e.address(), in.family)) continue;
            marked_accept(s, "-d " + host(e.address()) + " -p udp -m udp --dport " + std::to_string(e.port()), in,
                          "WireGuard to the current server, only from the marked WireGuard socket");
        }
    }
    marked_accept(s, "-p tcp -m tcp --dport 443", in, "pvpnd's own HTTPS to the Proton API (sockets it marks)");
    if (v4)
        marked_accept(s, "-p icmp -m icmp --icmp-type 8", in,
                      "pvpnd's latency probes to Proton servers (--fastest ping; sockets it marks)");
    dns_rules(s, "PVPN-OUT", p, in);
    if (!in.tunnel.empty()) s.rule("PVPN-OUT", "-o " + in.tunnel, "ACCEPT", "everything through the tunnel");
    for (auto const& dev : in.physical) {
        s.rule("PVPN-OUT", "-o " + dev + (v4 ? " -p udp -m udp --sport 68 --dport 67" : " -p udp -m udp --sport 546 --dport 547"),
               "ACCEPT", v4 ? "DHCPv4 requests: keep the lease" : "DHCPv6 requests: keep the lease");
        if (!v4) {
            for (int type = 133; type <= 136; ++type)
                s.rule("PVPN-OUT", "-o " + dev + " " + icmp + std::to_string(type), "ACCEPT",
                       "IPv6 neighbour and router discovery on the physical link");
            s.rule("PVPN-OUT", "-o " + dev + " -d ff02::16/128 " + icmp + "143", "ACCEPT",
                   "MLDv2 reports, or snooping switches stop forwarding neighbour solicitations");
        }
    }
    for (auto const& prefix : in.lan_link) s.rule("PVPN-OUT", "-d " + prefix, "ACCEPT", "to the LAN (allow_lan)");
    if (p.allow_lan) {
        for (auto group : v4 ? std::vector<std::string>{"224.0.0.0/24", "239.0.0.0/8", "255.255.255.255/32"}
                             : std::vector<std::string>{"ff02::/16", "ff05::/16"})
            s.rule("PVPN-OUT", "-d " + group, "ACCEPT", "LAN-scoped multicast and broadcast: discovery");
    }
    s.rule("PVPN-OUT", "", "DROP", "kill-switch: everything else is dropped");

    // PVPN-FWD
    dns_rules(s, "PVPN-FWD", p, in);
    if (!in.tunnel.empty()) {
        s.rule("PVPN-FWD", "-o " + in.tunnel, "ACCEPT", "forwarded traffic (containers, VMs) leaves only by the tunnel");
        s.rule("PVPN-FWD", "-i " + in.tunnel, "ACCEPT", "and comes back through it");
    }
    for (auto const& prefix : in.lan) {
        s.rule("PVPN-FWD", "-d " + prefix, "ACCEPT", "forwarded to the LAN (allow_lan)");
        s.rule("PVPN-FWD", "-s " + prefix + " -m conntrack --ctstate DNAT", "ACCEPT",
               "LAN clients to ports published by local containers; never routed out");
    }
    s.rule("PVPN-FWD", "", "DROP", "kill-switch: nothing is routed around the tunnel");
}

} // namespace

IptablesState read_iptables_state(std::string_view save) {
    IptablesState st;
    std::array<std::string_view, 3> first{};
    while (!save.empty()) {
        auto end = save.find('\n');
        auto line = save.substr(0, end);
        save = end == std::string_view::npos ? std::string_view{} : save.substr(end + 1);
        for (std::size_t i = 0; i < hooks.size(); ++i) {
            auto const& h = hooks[i];
            if (line.starts_with(":" + std::string(h.ours) + " ")) st.has_chains = true;
            auto rule_prefix = "-A " + std::string(h.builtin) + " ";
            if (line.starts_with(rule_prefix) && first[i].empty()) first[i] = line;
            if (line == jump_line(h)) ++(st.*h.jumps);
        }
    }
    st.jumps_first = true;
    for (std::size_t i = 0; i < hooks.size(); ++i) {
        if (first[i] != jump_line(hooks[i])) st.jumps_first = false;
    }
    return st;
}

std::string render_iptables(Policy const& policy, IpFamily family, IptablesState const& now) {
    Script s;
    s.line("*filter");
    if (policy.mode == Mode::off) {
        for (auto const& h : hooks) {
            for (int i = 0; i < now.*h.jumps; ++i) s.line("-D " + std::string(h.builtin) + " -j " + std::string(h.ours));
        }
        if (now.has_chains) {
            // Declaring a chain flushes it (or creates it empty), so -X always finds it empty.
            for (auto const& h : hooks) s.line(":" + std::string(h.ours) + " - [0:0]");
            for (auto const& h : hooks) s.line("-X " + std::string(h.ours));
        }
        s.line("COMMIT");
        return s.text();
    }
    for (auto const& h : hooks) s.line(":" + std::string(h.ours) + " - [0:0]");
    fill_chains(s, policy, inputs_of(policy, family));
    for (auto const& h : hooks) {
        for (int i = 0; i < now.*h.jumps; ++i) s.line("-D " + std::string(h.builtin) + " -j " + std::string(h.ours));
        s.line("-I " + std::string(h.builtin) + " 1 -j " + std::string(h.ours));
    }
    s.line("COMMIT");
    return s.text();
}

std::string pvpn_lines(std::string_view save) {
    std::string out;
    while (!save.empty()) {
        auto end = save.find('\n');
        auto line = save.substr(0, end);
        save = end == std::string_view::npos ? std::string_view{} : save.substr(end + 1);
        if (line.find("PVPN-") != std::string_view::npos) {
            out += line;
            out += '\n';
        }
    }
    return out;
}

} // namespace pvpn::firewall
