#include "daemon/firewall/local_network.hpp"

#include <algorithm>

namespace pvpn::firewall {

LocalNetwork local_network(std::vector<net::InterfaceAddress> const& addresses, std::string_view tunnel,
                           std::string_view tunnel_prefix) {
    std::vector<net::InterfaceAddress> local;
    for (auto const& a : addresses) {
        if (a.loopback || a.ifname == "lo" || a.ifname == tunnel) continue;
        if (!tunnel_prefix.empty() && a.ifname.starts_with(tunnel_prefix)) continue;
        local.push_back(a);
    }
    LocalNetwork out;
    out.lan = net::connected_subnets(local, std::string(tunnel));
    for (auto const& a : local) {
        auto& names = out.physical_interfaces;
        if (std::find(names.begin(), names.end(), a.ifname) == names.end()) names.push_back(a.ifname);
    }
    return out;
}

} // namespace pvpn::firewall
