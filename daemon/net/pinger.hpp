// ICMP echo probes from the event loop, for `--fastest ping` and
// `--latency-cutoff`: many targets at once through one socket, a bounded
// number in flight, a deadline per probe, and an early stop as soon as one
// target answers fast enough.
//
// The socket is an unprivileged ping socket (SOCK_DGRAM/IPPROTO_ICMP, allowed
// by net.ipv4.ping_group_range) when the kernel lets us open one, else a raw
// ICMP socket (root / CAP_NET_RAW).
#pragma once

#include "common/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::net {

struct PingOptions {
    std::chrono::milliseconds timeout{1000};  ///< Per probe, from its send.
    std::size_t concurrency = 64;             ///< Probes in flight at once.
    std::optional<std::uint32_t> socket_mark; ///< SO_MARK (so the kill-switch lets probes out).
    /// Stop at the first answer faster than this (the rest are not sent, or
    /// their answers ignored); nullopt: probe every target.
    std::optional<std::chrono::microseconds> cutoff;
};

struct PingResults {
    /// Round-trip time per target, in the order given; nullopt: no answer (or not probed).
    std::vector<std::optional<std::chrono::microseconds>> rtt;
    /// With a cutoff: the index of the target that answered under it.
    std::optional<std::size_t> first_under;
};

/// Probes IPv4 `targets` (dotted quads; an unparsable one simply gets no
/// answer) in the order given: earlier targets are sent first, so callers put
/// the most promising first. Errc::internal when no ICMP socket can be opened;
/// at most 65,535 targets per call (Errc::invalid_params beyond).
boost::asio::awaitable<Result<PingResults>> ping_all(boost::asio::any_io_executor executor,
                                                     std::vector<std::string> targets, PingOptions options);

/// Internet checksum (RFC 1071) of `data`, as ICMP uses it.
std::uint16_t icmp_checksum(std::uint8_t const* data, std::size_t size);

} // namespace pvpn::net
