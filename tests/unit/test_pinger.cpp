#include "catch_result.hpp"
#include "daemon/net/pinger.hpp"
#include "run_coro.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace pvpn;
namespace asio = boost::asio;

namespace {

/// Probing needs a ping socket (net.ipv4.ping_group_range) or CAP_NET_RAW.
bool can_ping() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    if (fd < 0) fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

Result<net::PingResults> ping(std::vector<std::string> targets, net::PingOptions options) {
    asio::io_context io;
    return test::run_coro(io, net::ping_all(io.get_executor(), std::move(targets), options));
}

} // namespace

TEST_CASE("ICMP checksum", "[pinger]") {
    // An echo request with id 0x1234, seq 1 and no payload: 0x0800 + 0x1234 + 0x0001 = 0x1A35 → ~ = 0xE5CA.
    std::uint8_t packet[] = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01};
    CHECK(net::icmp_checksum(packet, sizeof packet) == 0xE5CA);
    packet[2] = 0xE5;
    packet[3] = 0xCA;
    CHECK(net::icmp_checksum(packet, sizeof packet) == 0);
    std::uint8_t odd[] = {0x01};
    CHECK(net::icmp_checksum(odd, 1) == 0xFEFF);
}

TEST_CASE("pinging loopback addresses concurrently", "[pinger]") {
    if (!can_ping()) {
        WARN("no ping socket and no raw socket allowed here; skipped");
        return;
    }
    std::vector<std::string> targets;
    for (int i = 1; i <= 40; ++i) targets.push_back("127.0.0." + std::to_string(i));
    targets.push_back("not-an-address");
    net::PingOptions options;
    options.concurrency = 8;
    options.timeout = std::chrono::milliseconds(2000);
    auto r = ping(targets, options);
    REQUIRE(r);
    REQUIRE(r->rtt.size() == targets.size());
    for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
        INFO(targets[i]);
        REQUIRE(r->rtt[i]);
        CHECK(r->rtt[i]->count() >= 0);
        CHECK(*r->rtt[i] < std::chrono::milliseconds(1000));
    }
    CHECK_FALSE(r->rtt.back());
    CHECK_FALSE(r->first_under);
}

TEST_CASE("a latency cutoff stops at the first answer under it", "[pinger]") {
    if (!can_ping()) {
        WARN("no ping socket and no raw socket allowed here; skipped");
        return;
    }
    std::vector<std::string> targets;
    for (int i = 1; i <= 50; ++i) targets.push_back("127.0.1." + std::to_string(i));
    net::PingOptions options;
    options.concurrency = 1;
    options.cutoff = std::chrono::milliseconds(500);
    auto r = ping(targets, options);
    REQUIRE(r);
    REQUIRE(r->first_under);
    CHECK(*r->first_under == 0);
    REQUIRE(r->rtt[0]);
    for (std::size_t i = 1; i < targets.size(); ++i) CHECK_FALSE(r->rtt[i]);
}

TEST_CASE("the socket mark is applied to probes", "[pinger]") {
    if (::geteuid() != 0) {
        WARN("setting SO_MARK needs CAP_NET_ADMIN; skipped");
        return;
    }
    net::PingOptions options;
    options.socket_mark = 0xca6d;
    auto r = ping({"127.0.0.1"}, options);
    REQUIRE(r);
    CHECK(r->rtt[0]);
}

TEST_CASE("nothing to probe, and too much to probe", "[pinger]") {
    auto empty = ping({}, {});
    REQUIRE(empty);
    CHECK(empty->rtt.empty());
    auto many = ping(std::vector<std::string>(70000, "127.0.0.1"), {});
    REQUIRE_FALSE(many);
    CHECK(many.error().code == Errc::invalid_params);
}
