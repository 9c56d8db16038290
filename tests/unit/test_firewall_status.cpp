#include "daemon/firewall/local_network.hpp"
#include "daemon/firewall/status.hpp"
#include "tests/support/firewall_policies.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::firewall;

namespace {

net::InterfaceAddress address(std::string ifname, std::string prefix, bool loopback = false) {
    net::InterfaceAddress a;
    a.ifname = std::move(ifname);
    a.local = net::IpPrefix::parse(prefix).value();
    a.loopback = loopback;
    return a;
}

// The kernel as a listing: what current() would return.
class ListedFirewall final : public Firewall {
public:
    std::optional<std::string> listing;
    std::string_view name = "nftables";

    Result<void> apply(Policy const&) override { return {}; }
    Result<void> reset() override { return {}; }
    Result<std::optional<std::string>> current() override { return listing; }
    std::string_view backend() const override { return name; }
};

} // namespace

TEST_CASE("the LAN is every on-link subnet but loopback's and the tunnels'", "[firewall]") {
    std::vector<net::InterfaceAddress> addrs = {
        address("lo", "127.0.0.1/8", true),
        address("eth0", "192.168.1.20/24"),
        address("eth0", "2001:db8:1::20/64"),
        address("wlan0", "192.168.1.21/24"),
        address("wgpch", "10.2.0.2/32"),  // the old tunnel during a switch
        address("wgpnl", "10.2.0.2/32"),  // the new one
    };
    auto local = local_network(addrs, "wgpnl", "wgp");
    REQUIRE(local.lan.size() == 2);
    CHECK(local.lan[0].to_string() == "192.168.1.0/24");
    CHECK(local.lan[1].to_string() == "2001:db8:1::/64");
    CHECK(local.physical_interfaces == std::vector<std::string>{"eth0", "wlan0"});
}

TEST_CASE("the drop counters of a listing are summed, other counters ignored", "[firewall]") {
    std::string listing = "table inet pvpn {\n"
                          "\t\tcounter packets 3 bytes 180 drop comment \"kill-switch\"\n"
                          "\t\tcounter packets 7 bytes 420 accept\n"
                          "\t\tcounter packets 40 bytes 2400 drop comment \"kill-switch\"\n}\n";
    CHECK(dropped_packets(listing) == 43u);
    CHECK_FALSE(dropped_packets("-A PVPN-OUT -j DROP\n"));
}

TEST_CASE("status reads the mode from the rules in the kernel, not from pvpnd's memory", "[firewall]") {
    ListedFirewall fw;
    auto off = killswitch_status(fw, false, Mode::off, true);
    CHECK(off.at("active") == false);
    CHECK(off.at("mode") == "off");
    CHECK(off.at("rules") == "none");

    // A previous pvpnd's blocking table, LAN not allowed, while this one believes "connected".
    fw.listing = render_nft(test::sample_policy(Mode::blocked, false));
    auto adopted = killswitch_status(fw, true, Mode::connected, true);
    CHECK(adopted.at("active") == true);
    CHECK(adopted.at("mode") == "blocked");
    CHECK(adopted.at("allow_lan") == false);
    CHECK(adopted.at("rules") == "nftables: table inet pvpn");
    CHECK(adopted.at("dropped_packets") == 0);

    // The iptables fallback writes no stamp: the believed mode is shown.
    fw.name = "iptables";
    fw.listing = "# iptables\n:PVPN-OUT - [0:0]\n";
    auto fallback = killswitch_status(fw, true, Mode::connected, true);
    CHECK(fallback.at("mode") == "connected");
    CHECK(fallback.at("rules") == "iptables: chains PVPN-IN, PVPN-OUT, PVPN-FWD");
    CHECK_FALSE(fallback.contains("dropped_packets"));
}
