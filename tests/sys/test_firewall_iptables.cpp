// The iptables fallback against the real kernel. Every test runs in
// namespaces of its own (firewall_lab.hpp).

#include "daemon/firewall/firewall.hpp"
#include "daemon/firewall/iptables_rules.hpp"
#include "tests/sys/firewall_lab.hpp"
#include "tests/unit/catch_result.hpp"

using namespace pvpn;
using namespace pvpn::firewall;
using pvpn::test::sh;
using pvpn::test::sh_out;

namespace {

std::string saved(char const* tool) { return test::without_comments(sh_out(std::string(tool) + " -t filter")); }

} // namespace

TEST_CASE("the iptables fallback blocks, keeps the LAN, and leaves others' rules as they were", "[iptables]") {
    test::FirewallLab lab;
    REQUIRE(sh("iptables -A INPUT -s 10.0.0.0/8 -j ACCEPT && iptables -A OUTPUT -d 192.0.2.0/24 -j ACCEPT && "
               "ip6tables -A OUTPUT -d 2001:db8::/32 -j ACCEPT && iptables -N ADMIN && iptables -A ADMIN -j RETURN") == 0);
    auto const v4 = saved("iptables-save");
    auto const v6 = saved("ip6tables-save");

    IptablesFirewall fw;
    REQUIRE(fw.apply(lab.policy(Mode::blocked, true)));
    // The admin's ACCEPT for 192.0.2.0/24 comes after our jump: it cannot open a hole.
    for (auto const* tool : {"iptables-save", "ip6tables-save"}) {
        INFO(tool);
        auto const st = read_iptables_state(sh_out(std::string(tool) + " -t filter"));
        CHECK(st.jumps_first);
        CHECK(st.input_jumps == 1);
    }
    CHECK(lab.tcp_in("10.99.0.1", 22));
    CHECK(lab.tcp_in("fd99::1", 22));
    CHECK(lab.tcp_out("10.99.0.2", 22));
    CHECK_FALSE(lab.udp_out("198.51.100.20", 9000));
    CHECK_FALSE(lab.udp_out("2001:db8:2::20", 9000));
    CHECK_FALSE(lab.udp_out("10.99.0.2", 53));
    CHECK(lab.tcp_out("198.51.100.20", 443, default_fwmark));

    // Replacing keeps exactly one jump each, still first.
    REQUIRE(fw.apply(lab.policy(Mode::connected, true)));
    auto const st = read_iptables_state(sh_out("iptables-save -t filter"));
    CHECK(st.jumps_first);
    CHECK(st.input_jumps + st.output_jumps + st.forward_jumps == 3);
    CHECK(lab.udp_out("198.51.100.20", 51820, default_fwmark));
    CHECK_FALSE(lab.udp_out("198.51.100.20", 51820));
    CHECK(lab.tcp_out("203.0.113.50", 8080));
    CHECK(lab.udp_out("10.2.0.1", 53));
    CHECK_FALSE(lab.tcp_out("198.51.100.20", 8080));
    auto const text = fw.current();
    REQUIRE(text);
    REQUIRE(*text);
    CHECK((**text).find("-A PVPN-OUT") != std::string::npos);

    REQUIRE(fw.reset());
    CHECK_FALSE(*fw.current());
    CHECK(saved("iptables-save") == v4);
    CHECK(saved("ip6tables-save") == v6);
    CHECK(lab.udp_out("198.51.100.20", 9000));
}
