// GCC 12 reports a false -Wmismatched-new-delete on asio coroutine frames at
// -O2 (GCC bug 109224, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "daemon/dns/resolv_conf_dns.hpp"
#include "daemon/net/libnl_netlink.hpp"
#include "daemon/tunnel/tunnel.hpp"
#include "daemon/wg/detect.hpp"
#include "daemon/wg/uapi_wireguard.hpp"
#include "sys_lab.hpp"
#include "tests/unit/run_awaitable.hpp"

#include "tests/unit/catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

using namespace pvpn;
using namespace pvpn::systest;
using pvpn::test::run_awaitable;

namespace {

/// The real ports, wired as pvpnd wires them, pointed at the lab's files.
struct Stack {
    explicit Stack(Lab const& lab) {
        netlink = net::LibnlNetlink::open().value();
        wg::UapiOptions uapi;
        uapi.log_file = lab.dir / "client-wireguard-go.log";
        wireguard = std::make_unique<wg::UapiWireGuard>(*netlink, uapi);
        dns::ResolvConfOptions options;
        options.path = lab.resolv_conf;
        options.backup = lab.backup;
        dns = std::make_unique<dns::ResolvConfDns>(io.get_executor(), options);
        tunnel = std::make_unique<tunnel::Tunnel>(*netlink, *wireguard, *dns, lab.run_dir);
    }
    boost::asio::io_context io;
    std::unique_ptr<net::LibnlNetlink> netlink;
    std::unique_ptr<wg::UapiWireGuard> wireguard;
    std::unique_ptr<dns::ResolvConfDns> dns;
    std::unique_ptr<tunnel::Tunnel> tunnel;

    Result<void> up(tunnel::TunnelSpec spec) { return run_awaitable(io, tunnel->up(std::move(spec))); }
    Result<void> down() { return run_awaitable(io, tunnel->down()); }
    Result<tunnel::Recovered> recover(tunnel::RecoverMode mode) { return run_awaitable(io, tunnel->recover(mode)); }
};

tunnel::TunnelSpec spec_for(Lab const& lab) {
    tunnel::TunnelSpec spec;
    spec.ifname = lab.client_if;
    spec.private_key = lab.client_private;
    spec.peer_public_key = lab.server_public;
    spec.endpoint = lab.endpoint;
    return spec;
}

/// Pings until the handshake is done (the first packet may wait for it).
bool ping_through(Lab const& lab) {
    for (int i = 0; i < 3; ++i)
        if (lab.ping(lab.behind)) return true;
    return false;
}

} // namespace

TEST_CASE("a tunnel comes up, carries traffic, and down restores everything", "[sys]") {
    Lab lab;
    auto before = lab.snapshot();
    Stack s(lab);

    auto up = s.up(spec_for(lab));
    INFO((up ? std::string() : up.error().message));
    REQUIRE(up);

    CHECK(ping_through(lab));
    CHECK(capture("ip route get " + lab.behind).find("dev " + lab.client_if) != std::string::npos);
    // The encrypted traffic to the endpoint still leaves by the underlay.
    CHECK(capture("ip route get 198.18.0.2 mark 0xca6d").find("dev " + lab.veth) != std::string::npos);
    // IPv6: the LAN works, everything else is unreachable instead of leaking.
    CHECK(capture("ip -6 route get fd00:18::2").find("dev " + lab.veth) != std::string::npos);
    // (the main table's IPv6 default route is still there, suppressed)
    CHECK(capture("ip -6 route get 2001:db8::1").find("No route to host") != std::string::npos);
    CHECK_FALSE(lab.ping("2001:db8::1", 1));

    auto rules = capture("ip rule");
    CHECK(rules.find("32764:\tfrom all lookup main suppress_prefixlength 0") != std::string::npos);
    CHECK(rules.find("32765:\tnot from all fwmark 0xca6d lookup 51820") != std::string::npos);
    auto rules6 = capture("ip -6 rule");
    CHECK(rules6.find("32765:\tnot from all fwmark 0xca6d lookup 51820") != std::string::npos);
    CHECK(capture("ip route show table 51820") == "default dev " + lab.client_if + " proto static scope link \n");
    CHECK(capture("ip -6 route show table 51820").find("unreachable default") != std::string::npos);
    auto link = capture("ip link show " + lab.client_if);
    CHECK(link.find("mtu 1420") != std::string::npos);
    CHECK(link.find(",UP") != std::string::npos);
    CHECK(capture("ip addr show " + lab.client_if).find("inet 10.2.0.2 peer 10.2.0.1/32") != std::string::npos);
    CHECK(test::read_text(lab.resolv_conf).find("\nnameserver 10.2.0.1\n") != std::string::npos);
    CHECK(capture("wg show " + lab.client_if + " fwmark") == "0xca6d\n");

    auto status = s.tunnel->status();
    REQUIRE(status);
    CHECK(status->backend == "wireguard-go");
    CHECK(status->endpoint == lab.endpoint);
    CHECK(status->peer_public_key == lab.server_public);
    CHECK(status->last_handshake > 0);
    CHECK(status->rx_bytes > 0);
    CHECK(status->tx_bytes > 0);

    REQUIRE(s.down());
    CHECK(lab.snapshot() == before);
    REQUIRE(s.down());
    CHECK(lab.snapshot() == before);
}

TEST_CASE("switching the peer keeps routes and rules and traffic flowing", "[sys]") {
    Lab lab;
    Stack s(lab);
    REQUIRE(s.up(spec_for(lab)));
    REQUIRE(ping_through(lab));
    auto routing = capture("ip rule; ip -6 rule; ip route show table all; ip -6 route show table all");
    REQUIRE(s.tunnel->switch_peer(tunnel::PeerSpec{lab.server_public, lab.endpoint}));
    CHECK(capture("ip rule; ip -6 rule; ip route show table all; ip -6 route show table all") == routing);
    CHECK(ping_through(lab));
    REQUIRE(s.down());
}

TEST_CASE("a failure half-way leaves the system exactly as it was", "[sys]") {
    Lab lab;

    SECTION("DNS cannot be written (the last step)") {
        auto before = lab.snapshot();
        Stack s(lab);
        dns::ResolvConfOptions broken;
        broken.path = lab.dir / "missing-dir" / "resolv.conf";
        broken.backup = lab.dir / "missing-dir" / "resolv.conf.pvpnbak";
        dns::ResolvConfDns dns(s.io.get_executor(), broken);
        tunnel::Tunnel t(*s.netlink, *s.wireguard, dns, lab.run_dir);
        auto r = run_awaitable(s.io, t.up(spec_for(lab)));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::tunnel_failed);
        CHECK(r.error().message.find("resolv.conf") != std::string::npos);
        CHECK(lab.snapshot() == before);
        CHECK_FALSE(std::filesystem::exists(lab.run_dir / "tunnel.json"));
    }
    SECTION("the tunnel's table already has a default route") {
        sh("ip route add default dev lo table 51820");
        auto before = lab.snapshot();
        Stack s(lab);
        auto r = s.up(spec_for(lab));
        REQUIRE_FALSE(r);
        CHECK(r.error().message ==
              "tunnel " + lab.client_if + ": add route 0.0.0.0/0 dev " + lab.client_if + " table 51820: File exists");
        CHECK(lab.snapshot() == before);
        sh("ip route del default dev lo table 51820");
    }
    SECTION("the interface name is taken") {
        sh("ip link add " + lab.client_if + " type veth peer name " + lab.client_if + "x");
        auto before = lab.snapshot();
        Stack s(lab);
        auto r = s.up(spec_for(lab));
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("exists") != std::string::npos);
        CHECK(lab.snapshot() == before);
        sh("ip link del " + lab.client_if);
    }
    SECTION("a bad server key") {
        auto before = lab.snapshot();
        Stack s(lab);
        auto spec = spec_for(lab);
        spec.peer_public_key = "AAAA";
        REQUIRE_FALSE(s.up(spec));
        CHECK(lab.snapshot() == before);
    }
}

TEST_CASE("after pvpnd dies, recover() from the journal cleans everything", "[sys]") {
    Lab lab;
    auto before = lab.snapshot();
    {
        Stack crashed(lab);
        REQUIRE(crashed.up(spec_for(lab)));
        REQUIRE(ping_through(lab));
    }  // every object dropped without down(): what SIGKILL leaves
    CHECK(lab.snapshot() != before);
    CHECK(wg::find_wireguard_go(lab.client_if).has_value());  // the tunnel outlived its owner
    CHECK(lab.ping(lab.behind));

    Stack next(lab);
    auto r = next.recover(tunnel::RecoverMode::clean);
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r);
    CHECK(*r == tunnel::Recovered::cleaned);
    CHECK(lab.snapshot() == before);
}

TEST_CASE("after pvpnd dies, recover() can adopt the running tunnel", "[sys]") {
    Lab lab;
    auto before = lab.snapshot();
    {
        Stack crashed(lab);
        REQUIRE(crashed.up(spec_for(lab)));
    }
    Stack next(lab);
    auto r = next.recover(tunnel::RecoverMode::adopt);
    REQUIRE(r);
    CHECK(*r == tunnel::Recovered::adopted);
    CHECK(next.tunnel->is_up());
    CHECK(ping_through(lab));
    auto status = next.tunnel->status();
    REQUIRE(status);
    CHECK(status->last_handshake > 0);
    REQUIRE(next.down());
    CHECK(lab.snapshot() == before);
}

TEST_CASE("a wireguard-go killed with pvpnd is cleaned too", "[sys]") {
    Lab lab;
    auto before = lab.snapshot();
    {
        Stack crashed(lab);
        REQUIRE(crashed.up(spec_for(lab)));
    }
    kill_wireguard_go(lab.client_if);  // e.g. the whole machine state was lost but the journal remains
    Stack next(lab);
    auto r = next.recover(tunnel::RecoverMode::adopt);
    REQUIRE(r);
    CHECK(*r == tunnel::Recovered::cleaned);
    CHECK(lab.snapshot() == before);
}

TEST_CASE("this machine's WireGuard backend is detected", "[sys]") {
    auto netlink = net::LibnlNetlink::open().value();
    auto wg = wg::detect_wireguard(*netlink, {});
    REQUIRE(wg);
    bool kernel = std::filesystem::exists("/sys/module/wireguard");
    CHECK((*wg)->backend() == (kernel ? "kernel" : "wireguard-go"));
}
