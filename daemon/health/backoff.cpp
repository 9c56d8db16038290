#include "daemon/health/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace pvpn::health {

std::chrono::milliseconds Backoff::next(double unit) {
    auto const first = static_cast<double>(policy_.first.count());
    auto const cap = static_cast<double>(policy_.cap.count());
    // Past the cap the exponent no longer matters; bounding it keeps pow finite.
    auto const exponent = static_cast<double>(std::min(rounds_, 64));
    ++rounds_;
    double nominal = std::min(cap, first * std::pow(policy_.factor, exponent));
    double const spread = std::clamp(unit, 0.0, 1.0) * 2.0 - 1.0;
    double wait = std::clamp(nominal * (1.0 + policy_.jitter * spread), 0.0, cap);
    return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(std::llround(wait)));
}

} // namespace pvpn::health
