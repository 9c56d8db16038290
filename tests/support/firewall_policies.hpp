// The kill-switch policies that tests/golden/fw_*.nft are rendered from;
// shared by the unit test (text) and the sys test (the kernel's listing).
#pragma once

#include "daemon/firewall/policy.hpp"

#include <boost/asio/ip/address.hpp>

#include <string>
#include <utility>
#include <vector>

namespace pvpn::test {

/// A home setup: Ethernet and Wi-Fi, a dual-stack LAN, a server switch in
/// progress while connecting (two endpoints), one endpoint once connected.
inline firewall::Policy sample_policy(firewall::Mode mode, bool allow_lan) {
    namespace ip = boost::asio::ip;
    firewall::Policy p;
    p.mode = mode;
    p.allow_lan = allow_lan;
    p.tunnel_interface = "pvpn0";
    p.endpoints.emplace_back(ip::make_address("203.0.113.7"), 51820);
    if (mode == firewall::Mode::connecting) p.endpoints.emplace_back(ip::make_address("2001:db8:7::7"), 1224);
    p.tunnel_dns = {ip::make_address("10.2.0.1"), ip::make_address("2a07:b944::2:1")};
    // Interface addresses as netlink reports them: host bits set.
    p.lan = {{ip::make_address("192.168.1.20"), 24},
             {ip::make_address("2001:db8:1::20"), 64},
             {ip::make_address("fd00::20"), 64}};
    p.physical_interfaces = {"eth0", "wlan0"};
    return p;
}

/// {golden file stem, policy} for every mode with and without allow_lan.
inline std::vector<std::pair<std::string, firewall::Policy>> golden_policies() {
    using firewall::Mode;
    std::vector<std::pair<std::string, firewall::Policy>> out;
    out.emplace_back("fw_off", sample_policy(Mode::off, true));
    for (auto mode : {Mode::blocked, Mode::connecting, Mode::connected}) {
        auto stem = "fw_" + std::string(firewall::mode_name(mode));
        out.emplace_back(stem, sample_policy(mode, false));
        out.emplace_back(stem + "_lan", sample_policy(mode, true));
    }
    return out;
}

} // namespace pvpn::test
