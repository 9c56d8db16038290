#include "daemon/health/assessor.hpp"

#include <algorithm>

namespace pvpn::health {
using namespace std::chrono_literals;

std::chrono::milliseconds probe_timeout(Settings const& settings) {
    return std::clamp<std::chrono::milliseconds>(2 * settings.latency_threshold, 1000ms, 10000ms);
}

void Assessor::reset() {
    failures_ = 0;
    last_rx_.reset();
    rx_still_ = 0;
}

Verdict Assessor::assess(Sample const& sample) {
    if (!sample.tunnel_present) {
        failures_ = std::max(failures_ + 1, settings_.failures);
        return {Health::reconnect, failures_, "the tunnel device is gone"};
    }
    bool const received = last_rx_ && sample.rx_bytes > *last_rx_;
    rx_still_ = !last_rx_ || received ? 0 : rx_still_ + 1;
    last_rx_ = sample.rx_bytes;

    std::string reason;
    auto add = [&reason](std::string const& part) { reason += (reason.empty() ? "" : "; ") + part; };
    auto const threshold_ms = settings_.latency_threshold.count();
    if (!sample.rtt) {
        add("no answer from the gateway within " + std::to_string(probe_timeout(settings_).count()) + " ms");
    } else if (*sample.rtt > settings_.latency_threshold) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*sample.rtt).count();
        add("round trip " + std::to_string(ms) + " ms, over the " + std::to_string(threshold_ms) + " ms threshold");
    }
    if (!sample.handshake_age)
        add("no WireGuard handshake yet");
    else if (*sample.handshake_age > handshake_stale)
        add("last WireGuard handshake " + std::to_string(sample.handshake_age->count()) + " s ago");
    if (reason.empty()) {
        failures_ = 0;
        return {Health::healthy, 0, ""};
    }
    if (rx_still_ > 0) add("nothing received for " + std::to_string(rx_still_) + " checks");
    ++failures_;
    auto health = failures_ >= settings_.failures ? Health::reconnect : Health::degraded;
    return {health, failures_, std::move(reason)};
}

} // namespace pvpn::health
