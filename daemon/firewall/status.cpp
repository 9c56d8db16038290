#include "daemon/firewall/status.hpp"

#include <cstdio>
#include <string>

namespace pvpn::firewall {
namespace json = boost::json;

std::optional<std::uint64_t> dropped_packets(std::string_view listing) {
    std::optional<std::uint64_t> total;
    while (!listing.empty()) {
        auto end = listing.find('\n');
        std::string line(listing.substr(0, end));
        listing = end == std::string_view::npos ? std::string_view{} : listing.substr(end + 1);
        auto at = line.find("counter packets ");
        if (at == std::string::npos) continue;
        unsigned long long packets = 0, bytes = 0;
        char verdict[8] = {};
        // "counter packets <n> bytes <m> drop": only the counters of drop rules.
        if (std::sscanf(line.c_str() + at, "counter packets %llu bytes %llu %7s", &packets, &bytes, verdict) == 3 &&
            std::string_view(verdict) == "drop")
            total = total.value_or(0) + packets;
    }
    return total;
}

json::object killswitch_status(Firewall& firewall, bool enabled, Mode believed_mode, bool allow_lan) {
    json::object out;
    out["enabled"] = enabled;
    auto rules = firewall.current();
    bool const active = rules && *rules;
    out["active"] = active;
    auto stamp = active ? read_stamp(**rules) : std::nullopt;
    Mode const mode = !active ? Mode::off : stamp ? stamp->mode : believed_mode;
    out["mode"] = mode_name(mode);
    out["allow_lan"] = stamp ? stamp->allow_lan : allow_lan;
    std::string where = firewall.backend() == "nftables" ? "table inet pvpn" : "chains PVPN-IN, PVPN-OUT, PVPN-FWD";
    out["rules"] = active ? std::string(firewall.backend()) + ": " + where : std::string("none");
    if (active) {
        if (auto dropped = dropped_packets(**rules)) out["dropped_packets"] = static_cast<std::int64_t>(*dropped);
    }
    if (!rules) out["error"] = rules.error().message;
    return out;
}

} // namespace pvpn::firewall
