// The service helpers: the boot kill-switch's policy.
#include "catch_result.hpp"
#include "daemon/service/boot_killswitch.hpp"
#include "catch_result.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;

TEST_CASE("the boot kill-switch is wanted only with autoconnect and ks_default", "[service]") {
    core::Config config;
    CHECK_FALSE(service::wants_boot_killswitch(config));
    config.network.ks_default = true;
    CHECK_FALSE(service::wants_boot_killswitch(config));
    config.service.autoconnect = true;
    CHECK(service::wants_boot_killswitch(config));
    config.network.ks_default = false;
    CHECK_FALSE(service::wants_boot_killswitch(config));
}

TEST_CASE("the boot policy lets every physical link do DHCP and blocks the rest", "[service]") {
    test::TempDir sys;
    for (auto name : {"wlan0", "lo", "eth0", "wgpch"}) std::filesystem::create_directory(sys.path() / name);
    auto links = service::physical_links(sys.path());
    CHECK(links == std::vector<std::string>{"eth0", "wlan0"});
    CHECK(service::physical_links(sys.path() / "missing").empty());

    auto policy = service::boot_policy(links, true);
    CHECK(policy.mode == firewall::Mode::blocked);
    CHECK(policy.allow_lan);
    CHECK(policy.tunnel_interface.empty());
    CHECK(policy.endpoints.empty());
    REQUIRE(firewall::validate(policy));
    auto script = firewall::render_nft(policy);
    CHECK(script.find("iifname \"eth0\" udp sport 67 udp dport 68 accept") != std::string::npos);
    CHECK(script.find("iifname \"wlan0\" udp sport 67 udp dport 68 accept") != std::string::npos);
    CHECK_FALSE(service::boot_policy(links, false).allow_lan);
}
