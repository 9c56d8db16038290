#include "daemon/service/boot_killswitch.hpp"

#include <algorithm>
#include <system_error>

namespace pvpn::service {

bool wants_boot_killswitch(core::Config const& config) {
    return config.service.autoconnect && config.network.ks_default;
}

std::vector<std::string> physical_links(std::filesystem::path const& sys_class_net) {
    std::vector<std::string> links;
    std::error_code ec;
    for (auto const& entry : std::filesystem::directory_iterator(sys_class_net, ec)) {
        auto name = entry.path().filename().string();
        if (name == "lo" || name.starts_with("wgp")) continue;
        links.push_back(std::move(name));
    }
    std::sort(links.begin(), links.end());
    return links;
}

firewall::Policy boot_policy(std::vector<std::string> const& links, bool allow_lan) {
    firewall::Policy policy;
    policy.mode = firewall::Mode::blocked;
    policy.allow_lan = allow_lan;
    policy.physical_interfaces = links;
    return policy;
}

} // namespace pvpn::service
