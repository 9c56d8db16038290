// The kill-switch as data: what may pass while it is on, independent of the
// mechanism that enforces it, and the pure rendering of that data into one
// nftables table (`table inet pvpn`). docs/killswitch.md explains every rule.
#pragma once

#include "common/error.hpp"
#include "daemon/net/prefix.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::firewall {

/// The mark pvpnd puts on its own sockets (SO_MARK) and the WireGuard device
/// uses as its fwmark; the routing rules send marked packets around the tunnel.
inline constexpr std::uint32_t default_fwmark = 0xca6d;

/// The name of our nftables table (family inet: IPv4 and IPv6 at once).
inline constexpr std::string_view nft_table = "pvpn";

/// How much the kill-switch lets through.
enum class Mode {
    off,        ///< No pvpn rules at all: the table is removed.
    blocked,    ///< No tunnel (kill-switch armed, error, `disconnect --ks true`): only
                ///< loopback, DHCP/ND, the LAN (if allowed) and pvpnd's marked API traffic.
    connecting, ///< Tunnel being brought up: as blocked, plus the tunnel interface and
                ///< the WireGuard UDP to the current endpoint(s).
    connected,  ///< Same rules as connecting; the mode only labels the table for `status`.
};

/// "off", "blocked", "connecting", "connected".
std::string_view mode_name(Mode mode);

/// Everything the kill-switch rules depend on. Platform-neutral: the same
/// value drives the nftables and the iptables backend.
struct Policy {
    Mode mode = Mode::off;
    /// Traffic to and from the LAN subnets passes (SSH from the LAN keeps working).
    bool allow_lan = true;
    /// The WireGuard interface; everything on it passes (but DNS, see tunnel_dns).
    std::string tunnel_interface;
    /// The current WireGuard server(s); only UDP carrying `fwmark` to exactly
    /// these address/port pairs passes. Several during a server switch.
    std::vector<boost::asio::ip::udp::endpoint> endpoints;
    /// Put on pvpnd's own sockets and by the WireGuard device on its UDP.
    std::uint32_t fwmark = default_fwmark;
    /// The only DNS servers that may be asked (port 53), and only through the tunnel.
    std::vector<boost::asio::ip::address> tunnel_dns;
    /// The on-link subnets of the physical interfaces (from netlink). IPv6
    /// link-local (fe80::/10) and LAN-scoped multicast are added by the rules.
    std::vector<net::IpPrefix> lan;
    /// The interfaces to the real network; DHCP and IPv6 neighbour discovery
    /// pass on these only.
    std::vector<std::string> physical_interfaces;

    friend bool operator==(Policy const&, Policy const&) = default;
};

/// True for a name that is a valid Linux interface name and safe to quote in
/// a ruleset (letters, digits, '_', '-', '.', at most 15 characters).
bool safe_interface_name(std::string_view name);

/// Checks what render_nft cannot express: interface names that are not
/// safe_interface_name, a zero fwmark, an endpoint without a port, a prefix
/// longer than its family allows. Errc::invalid_params, with the culprit named.
Result<void> validate(Policy const& policy);

/// The complete nft script for `policy`: for Mode::off it deletes our table;
/// otherwise it creates or replaces it ("add table" + "delete table" + the full
/// "table inet pvpn { ... }"), to be run as one transaction so that there is
/// never a moment without rules. Pure. Interface names that are not
/// safe_interface_name are left out, which only ever removes an accept
/// (fails closed). The table part is written exactly as `nft list table`
/// prints it, so a listing of the applied table compares equal.
std::string render_nft(Policy const& policy);

/// What the table's own comment says about the policy it enforces; lets a
/// restarted pvpnd and `status` tell which rules are in force.
struct Stamp {
    Mode mode = Mode::off;
    bool allow_lan = false;
    std::string digest; ///< 16 hex digits identifying the exact rules.

    friend bool operator==(Stamp const&, Stamp const&) = default;
};

/// The stamp that render_nft writes for `policy` (mode off: none).
std::optional<Stamp> stamp_of(Policy const& policy);

/// Reads the stamp back from a rendered script or an `nft list table` text;
/// nullopt when the text holds no pvpn table comment.
std::optional<Stamp> read_stamp(std::string_view nft_text);

} // namespace pvpn::firewall
