// This machine's own links as the kill-switch sees them: which subnets are the
// LAN (passed with allow_lan) and which interfaces reach the real network
// (DHCP and neighbour discovery pass there). Pure: it reads netlink's list of
// addresses, it does not ask the kernel itself.
#pragma once

#include "daemon/net/netlink.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pvpn::firewall {

struct LocalNetwork {
    std::vector<net::IpPrefix> lan;                ///< On-link subnets, each once.
    std::vector<std::string> physical_interfaces;  ///< Each once, in the order listed.
};

/// Every interface with an address counts, except loopback, `tunnel` and any
/// interface named `tunnel_prefix`* (pvpn's WireGuard devices, wgp*): during a
/// server switch the old tunnel still exists, and neither its own address nor
/// the peer behind it is the LAN.
LocalNetwork local_network(std::vector<net::InterfaceAddress> const& addresses, std::string_view tunnel,
                           std::string_view tunnel_prefix);

} // namespace pvpn::firewall
