#include "daemon/health/tunnel_probe.hpp"

#include "daemon/net/pinger.hpp"

#include <vector>

namespace pvpn::health {

TunnelProbe::TunnelProbe(boost::asio::any_io_executor executor, tunnel::Tunnel& tunnel, std::string gateway)
    : executor_(std::move(executor)), tunnel_(tunnel), gateway_(std::move(gateway)) {}

boost::asio::awaitable<Sample> TunnelProbe::sample(std::chrono::milliseconds timeout) {
    Sample s;
    net::PingOptions options;
    options.timeout = timeout;
    std::vector<std::string> targets{gateway_};
    auto pinged = co_await net::ping_all(executor_, std::move(targets), options);
    if (pinged && !pinged->rtt.empty()) s.rtt = pinged->rtt.front();
    // Read after the echo, so that its answer is counted in rx_bytes.
    auto status = tunnel_.status();
    s.tunnel_present = status.has_value();
    if (status) {
        s.rx_bytes = status->rx_bytes;
        if (status->last_handshake > 0) {
            auto now = std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch());
            s.handshake_age = std::max(now - std::chrono::seconds(status->last_handshake), std::chrono::seconds(0));
        }
    }
    co_return s;
}

} // namespace pvpn::health
