#include "daemon/firewall/address_set.hpp"
#include "daemon/firewall/policy.hpp"
#include "tests/support/firewall_policies.hpp"
#include "tests/support/golden.hpp"
#include "tests/unit/catch_result.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::firewall;
namespace ip = boost::asio::ip;

namespace {

// Position of the first line containing `needle` in the named chain; npos if absent.
std::size_t position_in(std::string const& script, std::string const& chain, std::string const& needle) {
    auto start = script.find("\tchain " + chain + " {");
    auto end = script.find("\t}", start);
    auto at = script.find(needle, start);
    return at < end ? at : std::string::npos;
}

std::vector<std::string> elements(std::vector<std::string> const& prefixes) {
    std::vector<net::IpPrefix> parsed;
    for (auto const& p : prefixes) parsed.push_back(net::IpPrefix::parse(p).value());
    return canonical_elements(parsed);
}

} // namespace

TEST_CASE("each kill-switch policy renders as its golden nft script", "[firewall]") {
    for (auto const& [stem, policy] : test::golden_policies()) {
        INFO(stem);
        auto const text = render_nft(policy);
        auto const file = stem + ".nft";
        if (test::updating_golden()) {
            test::write_golden(file, text);
            continue;
        }
        auto golden = test::read_golden(file);
        REQUIRE(golden);
        CHECK(*golden == text);
    }
}

TEST_CASE("the script replaces our table in one go and touches nothing else", "[firewall]") {
    auto const on = render_nft(test::sample_policy(Mode::connected, true));
    CHECK(on.starts_with("add table inet pvpn\ndelete table inet pvpn\ntable inet pvpn {\n"));
    CHECK(render_nft(Policy{}) == "add table inet pvpn\ndelete table inet pvpn\n");
    for (auto const* word : {"flush ruleset", "table ip ", "table ip6 ", "table inet filter"}) CHECK(on.find(word) == std::string::npos);
    // Every base chain drops by policy and by an explicit counted last rule.
    for (auto const* chain : {"input", "output", "forward"}) {
        INFO(chain);
        CHECK(position_in(on, chain, "policy drop;") != std::string::npos);
        CHECK(position_in(on, chain, "counter packets 0 bytes 0 drop") != std::string::npos);
    }
}

TEST_CASE("DNS is dropped before any accept that could carry it", "[firewall]") {
    auto const text = render_nft(test::sample_policy(Mode::connected, true));
    auto const drop = position_in(text, "output", "th dport 53 drop");
    REQUIRE(drop != std::string::npos);
    CHECK(position_in(text, "output", "oifname \"pvpn0\" ip daddr 10.2.0.1 meta l4proto { tcp, udp } th dport 53 accept") < drop);
    CHECK(drop < position_in(text, "output", "oifname \"pvpn0\" accept"));
    CHECK(drop < position_in(text, "output", "ip daddr 192.168.1.0/24 accept"));
    // The endpoint rule sits before it, so a server listening on port 53 still works.
    CHECK(position_in(text, "output", "ip daddr 203.0.113.7 udp dport 51820") < drop);
}

TEST_CASE("blocked mode has no tunnel and no endpoint rules", "[firewall]") {
    auto const text = render_nft(test::sample_policy(Mode::blocked, true));
    CHECK(text.find("pvpn0") == std::string::npos);
    CHECK(text.find("203.0.113.7") == std::string::npos);
    CHECK(text.find("10.2.0.1") == std::string::npos);
    CHECK(text.find("meta mark 0x0000ca6d tcp dport 443") != std::string::npos);
    CHECK(text.find("ip saddr 192.168.1.0/24 accept") != std::string::npos);
}

TEST_CASE("without allow_lan no LAN, link-local or multicast rule exists", "[firewall]") {
    auto const text = render_nft(test::sample_policy(Mode::connected, false));
    for (auto const* word : {"192.168.1.0", "fe80::", "fd00::", "224.0.0.0", "ff02::/16"}) {
        INFO(word);
        CHECK(text.find(word) == std::string::npos);
    }
    // Neighbour discovery still passes, or IPv6 on the link dies.
    CHECK(text.find("nd-neighbor-solicit") != std::string::npos);
}

TEST_CASE("interface names that could inject nft syntax are refused and never rendered", "[firewall]") {
    auto p = test::sample_policy(Mode::connected, true);
    p.tunnel_interface = "pvpn0\" accept; flush ruleset; \"";
    p.physical_interfaces.push_back("eth1 accept");
    CHECK_FALSE(validate(p));
    auto const text = render_nft(p);
    CHECK(text.find("flush ruleset") == std::string::npos);
    CHECK(text.find("eth1") == std::string::npos);
    CHECK(text.find("oifname \"pvpn0") == std::string::npos); // fails closed: no tunnel accept at all

    CHECK(validate(test::sample_policy(Mode::connected, true)));
    CHECK(safe_interface_name("wg-pvpn.0_a"));
    CHECK_FALSE(safe_interface_name("a-name-longer-than-15"));
    CHECK_FALSE(safe_interface_name(""));
    auto zero_mark = test::sample_policy(Mode::blocked, true);
    zero_mark.fwmark = 0;
    CHECK_FALSE(validate(zero_mark));
}

TEST_CASE("the table's comment identifies the exact policy", "[firewall]") {
    auto const p = test::sample_policy(Mode::connected, true);
    auto const stamp = read_stamp(render_nft(p));
    REQUIRE(stamp);
    CHECK(stamp == stamp_of(p));
    CHECK(stamp->mode == Mode::connected);
    CHECK(stamp->allow_lan);

    auto moved = p;
    moved.endpoints = {ip::udp::endpoint(ip::make_address("203.0.113.8"), 51820)};
    CHECK(stamp_of(moved)->digest != stamp->digest);
    CHECK_FALSE(stamp_of(Policy{}));
    CHECK_FALSE(read_stamp("table inet filter {\n}\n"));
}

TEST_CASE("address sets are written the way nft lists them", "[firewall]") {
    CHECK(elements({"192.168.1.20/24"}) == std::vector<std::string>{"192.168.1.0/24"});
    CHECK(elements({"192.168.1.0/24", "192.168.0.0/24", "10.0.0.0/8", "10.1.0.0/16", "172.16.0.0/24",
                    "172.16.1.0/24", "172.16.2.0/24"}) ==
          std::vector<std::string>{"10.0.0.0/8", "172.16.0.0-172.16.2.255", "192.168.0.0/23"});
    CHECK(elements({"fd00::/64", "fd00:0:0:1::/64", "::1"}) == std::vector<std::string>{"::1", "fd00::/63"});
    CHECK(elements({"1.2.3.4/32", "1.2.3.5/32"}) == std::vector<std::string>{"1.2.3.4/31"});
    CHECK(elements({"255.255.255.255/32", "255.255.255.254/32"}) == std::vector<std::string>{"255.255.255.254/31"});
    CHECK(elements({"0.0.0.0/0", "10.0.0.0/8"}) == std::vector<std::string>{"0.0.0.0/0"});
    CHECK(nft_value({"a"}) == "a");
    CHECK(nft_value({"a", "b"}) == "{ a, b }");
}
