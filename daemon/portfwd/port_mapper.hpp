// The port-mapping port: asks the VPN server's gateway for a forwarded port.
//
// Proton's P2P servers answer NAT-PMP (RFC 6886) on the tunnel gateway; the
// real implementation is NatpmpMapper (libnatpmp). The lease loop only sees
// this class, so tests drive it with a fake.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace pvpn::portfwd {

enum class Protocol { udp, tcp };

/// "udp" or "tcp".
std::string_view protocol_name(Protocol protocol);

/// A granted mapping. With a request for "any port" (private 0, public 0)
/// Proton's gateway answers private == public; a reply with private 0 means
/// the same as public.
struct Mapping {
    std::uint16_t public_port = 0;
    std::uint16_t private_port = 0;
    std::chrono::seconds lifetime{0};
    std::uint32_t epoch = 0;  ///< Seconds since the gateway (re)started its mapping table.
};

/// The gateway's public IPv4 address (the server's exit address).
struct PublicAddress {
    std::string address;
    std::uint32_t epoch = 0;
};

/// Why a request failed: decides what the user is told.
enum class MapFailure {
    refused,         ///< ICMP port unreachable: no NAT-PMP on this server (not P2P, or no entitlement).
    not_authorized,  ///< Result 2: the server does not grant this client port forwarding.
    no_answer,       ///< Nothing came back within the request's deadline.
    gateway_error,   ///< Another result code (network failure, out of resources, bad version...).
    local,           ///< The request could not be sent (no tunnel, socket error).
    cancelled,       ///< cancel() was called.
};

struct MapError {
    MapFailure kind = MapFailure::local;
    std::string message;  ///< For the user, e.g. "no answer from 10.2.0.1:5351 within 8 s".
};

/// Lets MapResult<T>::value() throw (an ErrorException with Errc::network).
[[noreturn]] void throw_exception_from_error(MapError const& e, boost::source_location const& loc);

template <class T>
using MapResult = boost::system::result<T, MapError>;

class PortMapper {
public:
    virtual ~PortMapper() = default;

    /// Maps "any" port for `protocol` (private 0, public 0, as Proton's
    /// clients ask) for `lifetime`; the same request renews the mapping.
    /// Requests may run at once (the lease asks for TCP and UDP together).
    virtual boost::asio::awaitable<MapResult<Mapping>> map(Protocol protocol, std::chrono::seconds lifetime) = 0;

    /// Asks for the gateway's public address (NAT-PMP opcode 0).
    virtual boost::asio::awaitable<MapResult<PublicAddress>> public_address() = 0;

    /// Ends the request in progress at once (MapFailure::cancelled) and makes
    /// every later one fail the same way: for shutting the lease loop down.
    virtual void cancel() = 0;
};

} // namespace pvpn::portfwd
