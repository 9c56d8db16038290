#include "daemon/net/netlink.hpp"

#include <algorithm>
#include <cstdio>

namespace pvpn::net {

namespace {

std::string table_name(std::uint32_t table) {
    return table == main_table ? std::string("main") : std::to_string(table);
}

std::string hex(std::uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", value);
    return buf;
}

} // namespace

IpPrefix InterfaceAddress::subnet() const {
    if (peer) return IpPrefix{*peer, local.length};
    return local.network();
}

std::string describe(Route const& route) {
    std::string out = "route ";
    if (route.type == RouteType::unreachable) out += "unreachable ";
    if (route.type == RouteType::blackhole) out += "blackhole ";
    out += route.destination.to_string();
    if (!route.device.empty()) out += " dev " + route.device;
    out += " table " + table_name(route.table);
    return out;
}

std::string describe(Rule const& rule) {
    std::string out = "rule ";
    if (rule.family == Family::ipv6) out += "-6 ";
    out += std::to_string(rule.priority);
    if (rule.invert) out += " not";
    if (rule.fwmark) out += " fwmark " + hex(*rule.fwmark);
    out += " lookup " + table_name(rule.table);
    if (rule.suppress_prefixlength) out += " suppress_prefixlength " + std::to_string(*rule.suppress_prefixlength);
    return out;
}

std::vector<IpPrefix> connected_subnets(std::vector<InterfaceAddress> const& addresses,
                                        std::string const& exclude_ifname) {
    std::vector<IpPrefix> out;
    for (auto const& a : addresses) {
        if (a.loopback || a.ifname == exclude_ifname) continue;
        auto subnet = a.subnet();
        if (std::find(out.begin(), out.end(), subnet) == out.end()) out.push_back(subnet);
    }
    return out;
}

} // namespace pvpn::net
