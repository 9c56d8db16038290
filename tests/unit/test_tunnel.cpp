// GCC 12 reports a false -Wmismatched-new-delete on asio coroutine frames at
// -O2 (GCC bug 109224, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "daemon/tunnel/tunnel.hpp"

#include "run_awaitable.hpp"
#include "temp_dir.hpp"
#include "tests/fakes/fake_dns.hpp"
#include "tests/fakes/fake_netlink.hpp"
#include "tests/fakes/fake_wireguard.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

using namespace pvpn;
using namespace pvpn::tunnel;
using pvpn::test::run_awaitable;

namespace {

TunnelSpec spec() {
    TunnelSpec s;
    s.ifname = "wgpch";
    s.private_key = "4GgaQCy68nzNsUE5aJ9fuLzHhB65tAlwbmA72MWnOm8=";
    s.peer_public_key = "t0UBt2lKs2TJ8cWE5bemV0ylBxdbTbh9ArfeagRjRUQ=";
    s.endpoint = "203.0.113.7:51820";
    return s;
}

struct World {
    test::TempDir dir;
    boost::asio::io_context io;
    test::FakeNetlink netlink;
    test::FakeWireGuard wg{netlink};
    test::FakeDns dns;

    World() {
        // Something of the system's own, which must survive everything.
        netlink.links["eth0"] = test::FakeNetlink::Link{2, "veth", true, 1500, {"192.168.1.20/24"}};
        netlink.routes.push_back(net::Route{net::IpPrefix::parse("0.0.0.0/0").value(), "eth0", net::main_table,
                                            net::RouteType::unicast});
    }
    std::unique_ptr<Tunnel> tunnel() { return std::make_unique<Tunnel>(netlink, wg, dns, dir.path()); }
    Result<void> up(Tunnel& t, TunnelSpec s = spec()) { return run_awaitable(io, t.up(std::move(s))); }
    Result<void> down(Tunnel& t) { return run_awaitable(io, t.down()); }
    std::filesystem::path journal() const { return dir / "tunnel.json"; }
};

} // namespace

TEST_CASE("up makes every change in order, down undoes all of it", "[tunnel]") {
    World w;
    auto before = w.netlink.state();
    auto t = w.tunnel();
    REQUIRE(w.up(*t));
    CHECK(t->is_up());
    CHECK(w.netlink.state() ==
          "link eth0 veth up mtu 1500 192.168.1.20/24\n"
          "link wgpch wireguard up mtu 1420 10.2.0.2/32 peer 10.2.0.1\n"
          "route 0.0.0.0/0 dev eth0 table main\n"
          "route 0.0.0.0/0 dev wgpch table 51820\n"
          "route unreachable ::/0 table 51820\n"
          "rule -6 32764 lookup main suppress_prefixlength 0\n"
          "rule -6 32765 not fwmark 0xca6d lookup 51820\n"
          "rule 32764 lookup main suppress_prefixlength 0\n"
          "rule 32765 not fwmark 0xca6d lookup 51820\n");
    CHECK(w.netlink.calls == std::vector<std::string>{
                                 "add_link wgpch",
                                 "add_address wgpch",
                                 "set_link_up wgpch",
                                 "add_route route 0.0.0.0/0 dev wgpch table 51820",
                                 "add_route route unreachable ::/0 table 51820",
                                 "add_rule rule 32764 lookup main suppress_prefixlength 0",
                                 "add_rule rule 32765 not fwmark 0xca6d lookup 51820",
                                 "add_rule rule -6 32764 lookup main suppress_prefixlength 0",
                                 "add_rule rule -6 32765 not fwmark 0xca6d lookup 51820",
                             });
    auto const& config = w.wg.configs.at("wgpch");
    CHECK(config.fwmark == 0xca6d);
    CHECK(config.private_key.empty() == false);
    REQUIRE(config.peers.size() == 1);
    CHECK(config.peers[0].endpoint == "203.0.113.7:51820");
    CHECK(config.peers[0].allowed_ips == std::vector<std::string>{"0.0.0.0/0", "::/0"});
    CHECK(config.peers[0].persistent_keepalive == 25);
    CHECK(w.dns.servers == std::vector<std::string>{"10.2.0.1"});
    CHECK(w.dns.ifname == "wgpch");

    auto journal = load_journal(w.journal());
    REQUIRE(journal);
    REQUIRE(*journal);
    CHECK((*journal)->steps.size() == 1 + 2 + 4 + 1);
    CHECK(std::get<DeviceStep>((*journal)->steps[0]).pid == 4242);
    CHECK(test::read_text(w.journal()).find(spec().private_key) == std::string::npos);

    REQUIRE(w.down(*t));
    CHECK_FALSE(t->is_up());
    CHECK(w.netlink.state() == before);
    CHECK(w.dns.servers.empty());
    CHECK_FALSE(std::filesystem::exists(w.journal()));
    REQUIRE(w.down(*t));  // twice is fine
    CHECK(w.netlink.state() == before);
}

TEST_CASE("a failure at any step leaves the system as it was", "[tunnel]") {
    struct Case {
        char const* name;
        std::function<void(World&)> inject;
    };
    std::vector<Case> cases{
        {"create", [](World& w) { w.wg.fail_create = true; }},
        {"configure", [](World& w) { w.wg.fail_configure = true; }},
        {"address", [](World& w) { w.netlink.fail_calls.insert("add_address"); }},
        {"link up", [](World& w) { w.netlink.fail_calls.insert("set_link_up"); }},
        {"ipv4 route", [](World& w) { w.netlink.fail_calls.insert("add_route route 0.0.0.0/0"); }},
        {"ipv6 route", [](World& w) { w.netlink.fail_calls.insert("add_route route unreachable"); }},
        {"first rule", [](World& w) { w.netlink.fail_calls.insert("add_rule rule 32764"); }},
        {"last rule", [](World& w) { w.netlink.fail_calls.insert("add_rule rule -6 32765"); }},
        {"dns", [](World& w) { w.dns.fail_apply = true; }},
    };
    for (auto const& c : cases) {
        DYNAMIC_SECTION("failing at " << c.name) {
            World w;
            auto before = w.netlink.state();
            c.inject(w);
            auto t = w.tunnel();
            auto r = w.up(*t);
            REQUIRE_FALSE(r);
            CHECK(r.error().code == Errc::tunnel_failed);
            CHECK(w.netlink.state() == before);
            CHECK(w.dns.servers.empty());
            CHECK_FALSE(t->is_up());
            CHECK_FALSE(std::filesystem::exists(w.journal()));
            CHECK(w.wg.configs.empty());
        }
    }
}

TEST_CASE("someone else's route in the table is an error and is left alone", "[tunnel]") {
    World w;
    // The device does not exist before up(), so the clash is on the IPv6 route.
    net::Route clash{net::IpPrefix::parse("::/0").value(), "", 51820, net::RouteType::unreachable};
    w.netlink.routes.push_back(clash);
    auto before = w.netlink.state();
    auto t = w.tunnel();
    auto r = w.up(*t);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "tunnel wgpch: add route unreachable ::/0 table 51820: File exists");
    CHECK(w.netlink.state() == before);
}

TEST_CASE("a wrong key or endpoint is refused before anything changes", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    auto s = spec();
    s.peer_public_key = "not-a-key";
    CHECK_FALSE(w.up(*t, s));
    s = spec();
    s.endpoint = "example.com:51820";
    CHECK_FALSE(w.up(*t, s));
    s = spec();
    s.ifname = "much-too-long-name";
    CHECK_FALSE(w.up(*t, s));
    CHECK(w.netlink.calls.empty());
    CHECK_FALSE(std::filesystem::exists(w.journal()));
}

TEST_CASE("use_dns false leaves DNS alone", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    auto s = spec();
    s.use_dns = false;
    REQUIRE(w.up(*t, s));
    CHECK(w.dns.servers.empty());
    REQUIRE(w.down(*t));
    CHECK(w.dns.reverts == 0);
}

TEST_CASE("a second up while up is refused", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    REQUIRE(w.up(*t));
    auto again = w.up(*t);
    REQUIRE_FALSE(again);
    CHECK(again.error().message.find("already up") != std::string::npos);
    REQUIRE(w.down(*t));
}

TEST_CASE("switch_peer changes only the peer", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    REQUIRE(w.up(*t));
    auto state = w.netlink.state();
    auto calls = w.netlink.calls.size();
    REQUIRE(t->switch_peer(PeerSpec{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "198.51.100.9:51820"}));
    CHECK(w.netlink.state() == state);
    CHECK(w.netlink.calls.size() == calls);
    auto const& config = w.wg.configs.at("wgpch");
    CHECK(config.replace_peers);
    CHECK(config.private_key.empty());
    REQUIRE(config.peers.size() == 1);
    CHECK(config.peers[0].endpoint == "198.51.100.9:51820");
    CHECK(t->info()->endpoint == "198.51.100.9:51820");
    auto journal = load_journal(w.journal());
    CHECK((*journal)->info.endpoint == "198.51.100.9:51820");
    CHECK_FALSE(t->switch_peer(PeerSpec{"bad", "198.51.100.9:51820"}));
    REQUIRE(w.down(*t));
}

TEST_CASE("status reports the peer's handshake and counters", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    CHECK_FALSE(t->status());
    REQUIRE(w.up(*t));
    w.wg.statuses["wgpch"].peers.push_back(wg::PeerStatus{spec().peer_public_key, "203.0.113.7:51820", 1700, 10, 20});
    auto s = t->status();
    REQUIRE(s);
    CHECK(s->ifname == "wgpch");
    CHECK(s->backend == "fake");
    CHECK(s->endpoint == "203.0.113.7:51820");
    CHECK(s->last_handshake == 1700);
    CHECK(s->rx_bytes == 10);
    CHECK(s->tx_bytes == 20);
    CHECK(s->dns_servers == std::vector<std::string>{"10.2.0.1"});
    REQUIRE(w.down(*t));
}

TEST_CASE("after a crash, recover cleans what the journal lists", "[tunnel]") {
    World w;
    auto before = w.netlink.state();
    {
        auto crashed = w.tunnel();
        REQUIRE(w.up(*crashed));
    }  // dropped without down(): the changes stay, as after SIGKILL
    CHECK(w.netlink.state() != before);
    auto t = w.tunnel();
    auto r = run_awaitable(w.io, t->recover(RecoverMode::clean));
    REQUIRE(r);
    CHECK(*r == Recovered::cleaned);
    CHECK(w.netlink.state() == before);
    CHECK(w.dns.servers.empty());
    REQUIRE(w.wg.destroyed.size() == 1);
    CHECK(w.wg.destroyed[0].pid == 4242);
    CHECK_FALSE(std::filesystem::exists(w.journal()));
}

TEST_CASE("after a crash, recover adopts a working device and restores what is missing", "[tunnel]") {
    World w;
    {
        auto crashed = w.tunnel();
        REQUIRE(w.up(*crashed));
    }
    auto up_state = w.netlink.state();
    w.netlink.rules.pop_back();  // someone removed a rule meanwhile
    w.dns.servers.clear();
    auto t = w.tunnel();
    auto r = run_awaitable(w.io, t->recover(RecoverMode::adopt));
    REQUIRE(r);
    CHECK(*r == Recovered::adopted);
    CHECK(t->is_up());
    CHECK(w.netlink.state() == up_state);
    CHECK(w.dns.servers == std::vector<std::string>{"10.2.0.1"});
    REQUIRE(w.down(*t));
    CHECK_FALSE(std::filesystem::exists(w.journal()));
}

TEST_CASE("adopting a tunnel whose device is gone cleans instead", "[tunnel]") {
    World w;
    auto before = w.netlink.state();
    {
        auto crashed = w.tunnel();
        REQUIRE(w.up(*crashed));
    }
    w.netlink.links.erase("wgpch");  // wireguard-go died with pvpnd's machine state
    auto t = w.tunnel();
    auto r = run_awaitable(w.io, t->recover(RecoverMode::adopt));
    REQUIRE(r);
    CHECK(*r == Recovered::cleaned);
    CHECK(w.netlink.state() == before);
}

TEST_CASE("without a journal, recover still undoes leftover DNS", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    auto r = run_awaitable(w.io, t->recover(RecoverMode::adopt));
    REQUIRE(r);
    CHECK(*r == Recovered::nothing);
    CHECK(w.dns.reverts == 1);
}

TEST_CASE("a corrupt journal is moved aside, not obeyed", "[tunnel]") {
    World w;
    test::write_text(w.journal(), "{not json");
    auto t = w.tunnel();
    auto r = run_awaitable(w.io, t->recover(RecoverMode::clean));
    REQUIRE_FALSE(r);
    CHECK(std::filesystem::exists(w.dir / "tunnel.json.bad"));
    CHECK_FALSE(std::filesystem::exists(w.journal()));
}

TEST_CASE("down keeps what it could not undo for the next try", "[tunnel]") {
    World w;
    auto t = w.tunnel();
    REQUIRE(w.up(*t));
    w.netlink.fail_calls.insert("delete_rule rule 32765");
    auto r = w.down(*t);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("rule 32765") != std::string::npos);
    auto journal = load_journal(w.journal());
    REQUIRE(*journal);
    REQUIRE((*journal)->steps.size() == 1);
    CHECK(std::holds_alternative<RuleStep>((*journal)->steps[0]));
    w.netlink.fail_calls.clear();
    REQUIRE(w.down(*t));
    CHECK(w.netlink.rules.empty());
    CHECK_FALSE(std::filesystem::exists(w.journal()));
}

TEST_CASE("interface names", "[tunnel]") {
    CHECK(tunnel_ifname("CH") == "wgpch");
    CHECK(tunnel_ifname("us") == "wgpus");
    CHECK(validate_ifname("wgpch"));
    CHECK(validate_ifname("pvt12345c"));
    CHECK_FALSE(validate_ifname(""));
    CHECK_FALSE(validate_ifname("sixteen-chars-xx"));
    CHECK_FALSE(validate_ifname("wg/x"));
    CHECK_FALSE(validate_ifname(".."));
}
