// The Netlink port: the links, addresses, routes and policy rules the tunnel
// and the kill-switch need, as plain data. The real implementation is
// LibnlNetlink (libnl-3 route); tests use FakeNetlink.
//
// Calls are synchronous: each is one rtnetlink request answered by the kernel
// at once, so it never waits on the network.
#pragma once

#include "common/error.hpp"
#include "daemon/net/prefix.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::net {

/// The main routing table (`ip route` without "table").
inline constexpr std::uint32_t main_table = 254;

enum class Family {
    ipv4,  ///< AF_INET
    ipv6,  ///< AF_INET6
};

enum class RouteType {
    unicast,      ///< Deliver through `device`.
    unreachable,  ///< Refuse with "network unreachable" (ICMP/EHOSTUNREACH): nothing leaves.
    blackhole,    ///< Drop silently.
};

/// One route; `device` is empty for unreachable and blackhole routes.
struct Route {
    IpPrefix destination;
    std::string device;
    std::uint32_t table = main_table;
    RouteType type = RouteType::unicast;

    Family family() const { return destination.is_v4() ? Family::ipv4 : Family::ipv6; }
    friend bool operator==(Route const&, Route const&) = default;
};

/// One policy-routing rule that looks up `table` ("ip rule add ... lookup T").
/// The priority is always explicit so that the rule can be found and deleted
/// exactly, whatever other rules exist.
struct Rule {
    Family family = Family::ipv4;
    std::uint32_t priority = 0;
    std::optional<std::uint32_t> fwmark;              ///< Matches this mark (mask 0xffffffff).
    bool invert = false;                              ///< "not": matches packets the selector does not.
    std::uint32_t table = main_table;
    std::optional<std::uint8_t> suppress_prefixlength;///< Ignore results with a prefix this short or shorter.

    friend bool operator==(Rule const&, Rule const&) = default;
};

/// An address to put on a link: `local` (with its prefix length) and, for a
/// point-to-point link, the address of the other end.
struct LinkAddress {
    IpPrefix local;
    std::optional<boost::asio::ip::address> peer;
};

/// An address found on a link of the system.
struct InterfaceAddress {
    std::string ifname;
    int ifindex = 0;
    IpPrefix local;                                   ///< Address and prefix length as configured.
    std::optional<boost::asio::ip::address> peer;     ///< Point-to-point peer, when there is one.
    bool loopback = false;                            ///< The link is a loopback device.

    /// The directly connected subnet this address gives (the peer for point-to-point).
    IpPrefix subnet() const;
};

/// "route 0.0.0.0/0 dev wgpch table 51820", "route unreachable ::/0 table 51820".
std::string describe(Route const& route);
/// "rule 32765 not fwmark 0xca6d lookup 51820", "rule 32764 lookup main suppress_prefixlength 0".
std::string describe(Rule const& rule);

/// The connected subnets of every non-loopback link except `exclude_ifname`
/// (the tunnel), without duplicates, in the order found. The kill-switch's
/// allow_lan uses them.
std::vector<IpPrefix> connected_subnets(std::vector<InterfaceAddress> const& addresses,
                                        std::string const& exclude_ifname);

class Netlink {
public:
    virtual ~Netlink() = default;

    /// The kernel's index of link `name`; an error if there is none.
    virtual Result<int> link_index(std::string const& name) = 0;
    /// Whether a link called `name` exists.
    virtual Result<bool> link_exists(std::string const& name) = 0;
    /// Creates link `name` of `kind` ("wireguard"); fails if the name is taken.
    virtual Result<void> add_link(std::string const& name, std::string const& kind) = 0;
    /// Deletes link `name` (with its addresses and routes). False: there was none.
    virtual Result<bool> delete_link(std::string const& name) = 0;
    /// Sets the MTU and brings the link up.
    virtual Result<void> set_link_up(std::string const& name, unsigned mtu) = 0;
    /// Adds an address to link `name`; fails if it is already there.
    virtual Result<void> add_address(std::string const& name, LinkAddress const& address) = 0;

    /// Adds a route. False (and nothing changed): an identical route already exists.
    virtual Result<bool> add_route(Route const& route) = 0;
    /// Deletes a route. False: there was none.
    virtual Result<bool> delete_route(Route const& route) = 0;
    /// Adds a rule. False (and nothing changed): an identical rule already exists.
    virtual Result<bool> add_rule(Rule const& rule) = 0;
    /// Deletes the rule with these selectors, table and priority. False: there was none.
    virtual Result<bool> delete_rule(Rule const& rule) = 0;

    /// Whether the kernel has IPv6 at all (not compiled out or disabled at
    /// boot); without it there is no IPv6 to route or to leak.
    virtual bool ipv6_supported() = 0;

    /// Every IPv4 and IPv6 address of every link (loopback included, marked).
    virtual Result<std::vector<InterfaceAddress>> list_addresses() = 0;
    /// The link of the main table's default route for `family` (lowest metric),
    /// or nullopt when there is no default route.
    virtual Result<std::optional<std::string>> default_route_interface(Family family) = 0;
};

} // namespace pvpn::net
