// Is anything accepting TCP connections on address:port? qBittorrent's
// preferences can name a port it does not listen on (after the tunnel
// interface was recreated its sockets stay bound to the old one), so pvpn
// checks the socket itself by connecting to it from the same network
// namespace. A connection to a local address carries the address's own
// interface as its input device, so a listener bound to the tunnel device
// (current_network_interface) accepts it and one bound to a vanished device
// refuses it: exactly the difference that matters.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace pvpn::qbt {

/// True when a TCP connect to `address`:`port` succeeds within `timeout`
/// (the connection is closed at once).
boost::asio::awaitable<bool> tcp_listening(boost::asio::any_io_executor executor, std::string address,
                                           std::uint16_t port, std::chrono::milliseconds timeout);

} // namespace pvpn::qbt
