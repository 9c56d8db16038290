#include "daemon/tunnel/routing.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::tunnel;

TEST_CASE("full-tunnel routing is wg-quick's, with IPv6 made unreachable", "[routing]") {
    RoutingSpec spec;
    spec.ifname = "wgpch";
    auto plan = plan_full_tunnel(spec);
    CHECK(render_plan(plan) ==
          "route 0.0.0.0/0 dev wgpch table 51820\n"
          "route unreachable ::/0 table 51820\n"
          "rule 32764 lookup main suppress_prefixlength 0\n"
          "rule 32765 not fwmark 0xca6d lookup 51820\n"
          "rule -6 32764 lookup main suppress_prefixlength 0\n"
          "rule -6 32765 not fwmark 0xca6d lookup 51820\n");
}

TEST_CASE("mark, table and priority come from the spec", "[routing]") {
    RoutingSpec spec{"wgpnl", 0x1234, 100, 1000, true};
    auto plan = plan_full_tunnel(spec);
    CHECK(render_plan(plan) ==
          "route 0.0.0.0/0 dev wgpnl table 100\n"
          "route unreachable ::/0 table 100\n"
          "rule 1000 lookup main suppress_prefixlength 0\n"
          "rule 1001 not fwmark 0x1234 lookup 100\n"
          "rule -6 1000 lookup main suppress_prefixlength 0\n"
          "rule -6 1001 not fwmark 0x1234 lookup 100\n");
}

TEST_CASE("without kernel IPv6 only IPv4 is routed", "[routing]") {
    RoutingSpec spec;
    spec.ifname = "wgpch";
    spec.ipv6 = false;
    auto plan = plan_full_tunnel(spec);
    CHECK(plan.routes.size() == 1);
    CHECK(plan.rules.size() == 2);
    for (auto const& r : plan.rules) CHECK(r.family == net::Family::ipv4);
}

TEST_CASE("the tunnel MTU leaves room for WireGuard over IPv6", "[routing]") {
    CHECK(tunnel_mtu == 1500 - 40 - 8 - 32);
}
