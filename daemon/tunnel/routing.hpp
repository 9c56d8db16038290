// Full-tunnel policy routing, as wg-quick sets it up, planned as data:
//
//   table T:   default dev IFNAME            (IPv4 goes into the tunnel)
//              unreachable ::/0              (IPv6 can never leave outside it)
//   rule P:    lookup main suppress_prefixlength 0
//   rule P+1:  not fwmark M lookup T
//
// Packets WireGuard itself sends carry mark M (set on the device), skip
// table T and leave by the main table's default route, so the route to the
// endpoint is never lost. Everything else first sees the main table minus its
// default routes (LAN subnets, including IPv6 ones, keep working), then table
// T. Nothing in the main table changes, and no route is needed per endpoint,
// so a server switch changes no route. The firewall (kill-switch) matches the
// same mark to let the encrypted UDP out.
#pragma once

#include "daemon/net/netlink.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pvpn::tunnel {

/// WireGuard's own packets carry this mark (wg-quick's and protonwire's choice).
inline constexpr std::uint32_t default_fwmark = 0xca6d;
/// The routing table of the tunnel (wg-quick uses the listen port, 51820).
inline constexpr std::uint32_t default_table = 51820;
/// The suppress rule's priority; the fwmark rule takes the next one. These are
/// the priorities wg-quick's rules get on a system with the three default rules.
inline constexpr std::uint32_t default_rule_priority = 32764;
/// 1500 (a typical underlay MTU) - 80: WireGuard's worst-case overhead with an
/// IPv6 outer header (40 IPv6 + 8 UDP + 32 WireGuard header and tag). With an
/// IPv4 endpoint 1440 would fit; 1420 is right for both, as wg-quick chooses.
inline constexpr unsigned tunnel_mtu = 1420;

struct RoutingSpec {
    std::string ifname;
    std::uint32_t fwmark = default_fwmark;
    std::uint32_t table = default_table;
    std::uint32_t rule_priority = default_rule_priority;
    bool ipv6 = true;  ///< The kernel has IPv6: block it too (false only when IPv6 is compiled out or disabled at boot)
};

struct RoutingPlan {
    std::vector<net::Route> routes;  ///< In the order to add them
    std::vector<net::Rule> rules;    ///< In the order to add them (routes first: a rule never points at an empty table)
};

/// The routes and rules for `spec`.
RoutingPlan plan_full_tunnel(RoutingSpec const& spec);

/// One line per route and rule, in order (describe()'s wording): for tests and logs.
std::string render_plan(RoutingPlan const& plan);

} // namespace pvpn::tunnel
