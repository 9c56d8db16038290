#include "daemon/health/rotation.hpp"

#include <algorithm>

namespace pvpn::health {

void RecentFailures::failed(std::string const& server, std::int64_t now) {
    failed_[server] = now;
    std::erase_if(failed_, [&](auto const& kv) { return now - kv.second > memory_.count(); });
}

bool RecentFailures::recently_failed(std::string const& server, std::int64_t now) const {
    auto it = failed_.find(server);
    return it != failed_.end() && now - it->second <= memory_.count();
}

std::vector<std::size_t> RecentFailures::order(std::span<std::string const> names, std::int64_t now) const {
    std::vector<std::size_t> fresh, failed;
    for (std::size_t i = 0; i < names.size(); ++i) (recently_failed(names[i], now) ? failed : fresh).push_back(i);
    std::stable_sort(failed.begin(), failed.end(),
                     [&](std::size_t a, std::size_t b) { return failed_.at(names[a]) < failed_.at(names[b]); });
    fresh.insert(fresh.end(), failed.begin(), failed.end());
    return fresh;
}

bool worth_retrying(Errc code) {
    switch (code) {
    case Errc::network:
    case Errc::tunnel_failed:
    case Errc::api_error:
    case Errc::rate_limited:
    case Errc::no_server:
    case Errc::internal:
    case Errc::busy: return true;
    default: return false;
    }
}

} // namespace pvpn::health
