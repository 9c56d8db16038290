#include "daemon/net/libnl_netlink.hpp"
#include "daemon/net/link_monitor.hpp"
#include "sys_lab.hpp"
#include "tests/unit/run_awaitable.hpp"

#include "tests/unit/catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <net/if.h>

using namespace pvpn;
using namespace pvpn::systest;

TEST_CASE("the netlink port sees the system's addresses and default route", "[sys]") {
    Lab lab;
    auto nl = net::LibnlNetlink::open().value();
    CHECK(nl->link_exists(lab.veth).value());
    CHECK_FALSE(nl->link_exists("pvt-nothing").value());
    CHECK(nl->link_index(lab.veth).value() == static_cast<int>(::if_nametoindex(lab.veth.c_str())));
    CHECK_FALSE(nl->link_index("pvt-nothing"));
    CHECK(nl->default_route_interface(net::Family::ipv4).value() == lab.veth);
    CHECK(nl->default_route_interface(net::Family::ipv6).value() == lab.veth);

    auto addresses = nl->list_addresses().value();
    auto subnets = net::connected_subnets(addresses, "");
    auto has = [&](std::string const& p) {
        return std::any_of(subnets.begin(), subnets.end(), [&](auto const& s) { return s.to_string() == p; });
    };
    CHECK(has("198.18.0.0/30"));
    CHECK(has("fd00:18::/64"));
    CHECK_FALSE(has("127.0.0.0/8"));
}

TEST_CASE("routes and rules are added once, deleted once, and errors name them", "[sys]") {
    Lab lab;
    auto nl = net::LibnlNetlink::open().value();
    net::Route route{net::IpPrefix::parse("203.0.113.0/24").value(), lab.veth, 4242, net::RouteType::unicast};
    CHECK(nl->add_route(route).value());
    CHECK_FALSE(nl->add_route(route).value());  // already there
    CHECK(capture("ip route show table 4242") == "203.0.113.0/24 dev " + lab.veth + " proto static scope link \n");
    CHECK(nl->delete_route(route).value());
    CHECK_FALSE(nl->delete_route(route).value());

    net::Route blackhole{net::IpPrefix::parse("2001:db8::/32").value(), "", 4242, net::RouteType::blackhole};
    CHECK(nl->add_route(blackhole).value());
    CHECK(capture("ip -6 route show table 4242").find("blackhole 2001:db8::/32") != std::string::npos);
    CHECK(nl->delete_route(blackhole).value());

    net::Rule rule;
    rule.priority = 4000;
    rule.fwmark = 0x1;
    rule.invert = true;
    rule.table = 4242;
    CHECK(nl->add_rule(rule).value());
    CHECK_FALSE(nl->add_rule(rule).value());
    CHECK(capture("ip rule").find("4000:\tnot from all fwmark 0x1 lookup 4242") != std::string::npos);
    CHECK(nl->delete_rule(rule).value());
    CHECK_FALSE(nl->delete_rule(rule).value());

    net::Route nodev{net::IpPrefix::parse("0.0.0.0/0").value(), "pvt-nothing", 4242, net::RouteType::unicast};
    auto r = nl->add_route(nodev);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("add route 0.0.0.0/0 dev pvt-nothing table 4242") == 0);

    auto taken = nl->add_address(lab.veth, net::LinkAddress{net::IpPrefix::parse("198.18.0.1/30").value(), {}});
    REQUIRE_FALSE(taken);
    CHECK(taken.error().message == "add address 198.18.0.1/30 dev " + lab.veth + ": File exists");
}

TEST_CASE("the link monitor reports address and link changes once per burst", "[sys]") {
    Lab lab;
    boost::asio::io_context io;
    std::vector<net::LinkEvent> events;
    auto monitor = net::LinkMonitor::start(io.get_executor(), std::chrono::milliseconds(50),
                                           [&](net::LinkEvent const& e) { events.push_back(e); });
    REQUIRE(monitor);
    sh("ip addr add 198.18.1.1/32 dev " + lab.veth);
    sh("ip addr add 198.18.1.2/32 dev " + lab.veth);
    sh("ip link set " + lab.veth + " down");
    sh("ip link set " + lab.veth + " up");
    for (int i = 0; i < 50 && events.empty(); ++i) test::run_for(io, std::chrono::milliseconds(20));
    test::run_for(io, std::chrono::milliseconds(100));
    REQUIRE(events.size() == 1);
    auto index = static_cast<int>(::if_nametoindex(lab.veth.c_str()));
    CHECK(events[0].ifindexes.count(index) == 1);
    CHECK(events[0].names.at(index) == lab.veth);

    monitor->reset();
    sh("ip addr del 198.18.1.1/32 dev " + lab.veth);
    test::run_for(io, std::chrono::milliseconds(150));
    CHECK(events.size() == 1);  // no callback after the monitor is gone
}
