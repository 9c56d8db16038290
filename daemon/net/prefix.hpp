// Addresses as routing sees them: an IP prefix ("10.2.0.2/32", "::/0") and a
// UDP endpoint ("203.0.113.7:51820", "[2001:db8::1]:51820"). Pure parsing and
// formatting, shared by the netlink, WireGuard and tunnel code.
#pragma once

#include "common/error.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pvpn::net {

/// An address with a prefix length; `address` may have host bits set (an
/// interface address such as 192.168.1.20/24 is kept as written).
struct IpPrefix {
    boost::asio::ip::address address;
    std::uint8_t length = 0;

    /// Parses "a.b.c.d/n" or "x::y/n"; without "/n" the full length is meant.
    static Result<IpPrefix> parse(std::string_view text);

    bool is_v4() const { return address.is_v4(); }
    /// The same prefix with the host bits cleared (192.168.1.20/24 -> 192.168.1.0/24).
    IpPrefix network() const;
    /// "a.b.c.d/n" or "x::y/n", always with the length.
    std::string to_string() const;

    friend bool operator==(IpPrefix const&, IpPrefix const&) = default;
};

/// The full length of an address family: 32 or 128.
std::uint8_t max_prefix_length(boost::asio::ip::address const& address);

/// Parses "ipv4:port" or "[ipv6]:port" (a literal address, no host names).
Result<boost::asio::ip::udp::endpoint> parse_endpoint(std::string_view text);

/// The inverse of parse_endpoint: "ipv4:port" or "[ipv6]:port".
std::string format_endpoint(boost::asio::ip::udp::endpoint const& endpoint);

} // namespace pvpn::net
