#include "daemon/net/netlink.hpp"
#include "daemon/net/prefix.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::net;

TEST_CASE("IP prefixes parse, normalise and print", "[net]") {
    auto p = IpPrefix::parse("192.168.1.20/24");
    REQUIRE(p);
    CHECK(p->to_string() == "192.168.1.20/24");
    CHECK(p->network().to_string() == "192.168.1.0/24");
    CHECK(IpPrefix::parse("10.2.0.2")->to_string() == "10.2.0.2/32");
    CHECK(IpPrefix::parse("::/0")->to_string() == "::/0");
    CHECK(IpPrefix::parse("2001:db8::1/64")->network().to_string() == "2001:db8::/64");
    CHECK_FALSE(IpPrefix::parse("10.0.0.0/33"));
    CHECK_FALSE(IpPrefix::parse("10.0.0.0/"));
    CHECK_FALSE(IpPrefix::parse("10.0.0.0/-1"));
    CHECK_FALSE(IpPrefix::parse("example.com/8"));
    CHECK_FALSE(IpPrefix::parse(""));
}

TEST_CASE("endpoints parse as ip:port and [ipv6]:port", "[net]") {
    auto v4 = parse_endpoint("203.0.113.7:51820");
    REQUIRE(v4);
    CHECK(format_endpoint(*v4) == "203.0.113.7:51820");
    auto v6 = parse_endpoint("[2001:db8::1]:443");
    REQUIRE(v6);
    CHECK(format_endpoint(*v6) == "[2001:db8::1]:443");
    CHECK_FALSE(parse_endpoint("2001:db8::1:443"));
    CHECK_FALSE(parse_endpoint("203.0.113.7"));
    CHECK_FALSE(parse_endpoint("203.0.113.7:0"));
    CHECK_FALSE(parse_endpoint("203.0.113.7:65536"));
    CHECK_FALSE(parse_endpoint("vpn.example:51820"));
    CHECK_FALSE(parse_endpoint("[::1:51820"));
}

TEST_CASE("routes and rules are described as ip(8) would show them", "[net]") {
    Route route{IpPrefix::parse("0.0.0.0/0").value(), "wgpch", 51820, RouteType::unicast};
    CHECK(describe(route) == "route 0.0.0.0/0 dev wgpch table 51820");
    Route unreachable{IpPrefix::parse("::/0").value(), "", 51820, RouteType::unreachable};
    CHECK(describe(unreachable) == "route unreachable ::/0 table 51820");
    Rule rule;
    rule.priority = 32765;
    rule.fwmark = 0xca6d;
    rule.invert = true;
    rule.table = 51820;
    CHECK(describe(rule) == "rule 32765 not fwmark 0xca6d lookup 51820");
    Rule suppress;
    suppress.family = Family::ipv6;
    suppress.priority = 32764;
    suppress.suppress_prefixlength = 0;
    CHECK(describe(suppress) == "rule -6 32764 lookup main suppress_prefixlength 0");
}

TEST_CASE("connected subnets skip loopback, the tunnel and duplicates", "[net]") {
    auto a = [](std::string ifname, std::string prefix, bool loopback = false) {
        InterfaceAddress out;
        out.ifname = std::move(ifname);
        out.local = IpPrefix::parse(prefix).value();
        out.loopback = loopback;
        return out;
    };
    std::vector<InterfaceAddress> all{a("lo", "127.0.0.1/8", true), a("eth0", "192.168.1.20/24"),
                                      a("eth0", "192.168.1.21/24"), a("eth0", "fd00::5/64"),
                                      a("wgpch", "10.2.0.2/32")};
    auto tunnel = a("wgpch", "10.2.0.2/32");
    tunnel.peer = boost::asio::ip::make_address("10.2.0.1");
    CHECK(tunnel.subnet().to_string() == "10.2.0.1/32");
    auto subnets = connected_subnets(all, "wgpch");
    REQUIRE(subnets.size() == 2);
    CHECK(subnets[0].to_string() == "192.168.1.0/24");
    CHECK(subnets[1].to_string() == "fd00::/64");
}
