// The health monitor's port to the tunnel: one check's measurements. The real
// one pings the gateway through the tunnel and reads WireGuard's counters
// (TunnelProbe); unit tests script a fake.
#pragma once

#include "daemon/health/assessor.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace pvpn::health {

/// One check of the running tunnel.
class Probe {
public:
    virtual ~Probe() = default;

    /// Measures once, waiting at most `timeout` for the gateway's answer.
    virtual boost::asio::awaitable<Sample> sample(std::chrono::milliseconds timeout) = 0;
};

} // namespace pvpn::health
