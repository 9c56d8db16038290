#include "daemon/portfwd/lease_timing.hpp"

#include <algorithm>

namespace pvpn::portfwd {
using namespace std::chrono_literals;

Millis next_renew(Millis configured, std::chrono::seconds granted) {
    Millis const limit = std::chrono::duration_cast<Millis>(granted) * 3 / 4;
    Millis const wait = granted.count() > 0 ? std::min(configured, limit) : configured;
    return std::max<Millis>(wait, 1s);
}

Millis retry_backoff(unsigned failures, Millis cap) {
    Millis wait = 2s;
    for (unsigned i = 1; i < failures && wait < cap; ++i) wait *= 2;
    return std::min(wait, cap);
}

Millis retry_while_valid(unsigned failures, Millis cap, Millis remaining) {
    Millis const half = std::max<Millis>(remaining / 2, 1s);
    return std::min(retry_backoff(failures, cap), half);
}

} // namespace pvpn::portfwd
