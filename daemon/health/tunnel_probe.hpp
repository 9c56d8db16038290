// The real Probe: an ICMP echo to the tunnel's gateway (it goes through the
// tunnel, like the user's traffic) and WireGuard's own view of the peer: the
// age of the last handshake and the bytes received.
#pragma once

#include "daemon/health/probe.hpp"
#include "daemon/tunnel/tunnel.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <string>

namespace pvpn::health {

/// Probes the tunnel that `tunnel` has up.
class TunnelProbe final : public Probe {
public:
    /// `tunnel` must outlive the probe; `gateway` is an IPv4 address in the tunnel.
    TunnelProbe(boost::asio::any_io_executor executor, tunnel::Tunnel& tunnel,
                std::string gateway = tunnel::default_gateway);

    /// An echo to the gateway, then the peer's handshake time and rx counter.
    boost::asio::awaitable<Sample> sample(std::chrono::milliseconds timeout) override;

private:
    boost::asio::any_io_executor executor_;
    tunnel::Tunnel& tunnel_;
    std::string gateway_;
};

} // namespace pvpn::health
