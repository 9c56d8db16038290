#include "daemon/firewall/firewall.hpp"

#include "common/log.hpp"

namespace pvpn::firewall {

std::unique_ptr<Firewall> make_firewall() {
    if (NftFirewall::available()) return std::make_unique<NftFirewall>();
    log::warn("firewall", "nftables is unavailable; the kill-switch falls back to iptables");
    return std::make_unique<IptablesFirewall>();
}

} // namespace pvpn::firewall
