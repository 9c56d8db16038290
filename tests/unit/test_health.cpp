#include "daemon/health/assessor.hpp"
#include "daemon/health/backoff.hpp"
#include "daemon/health/monitor.hpp"
#include "daemon/health/rotation.hpp"
#include "run_awaitable.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

using namespace pvpn;
using namespace pvpn::health;
using namespace std::chrono_literals;

namespace {

Settings settings(int failures = 3, std::chrono::milliseconds threshold = 500ms) {
    return Settings{60s, failures, threshold};
}

/// A good check: a fast answer, a fresh handshake, bytes received since the last one.
Sample good(std::uint64_t rx) {
    Sample s;
    s.rtt = 20ms;
    s.handshake_age = 30s;
    s.rx_bytes = rx;
    return s;
}

Sample timeout(std::uint64_t rx) {
    Sample s = good(rx);
    s.rtt.reset();
    return s;
}

} // namespace

TEST_CASE("failures bad checks in a row ask for a reconnect; a good one clears the count", "[health]") {
    Assessor a(settings(3));
    CHECK(a.assess(good(100)).health == Health::healthy);
    auto v = a.assess(timeout(100));
    CHECK(v.health == Health::degraded);
    CHECK(v.failures == 1);
    CHECK(v.reason == "no answer from the gateway within 1000 ms; nothing received for 1 checks");
    CHECK(a.assess(timeout(100)).health == Health::degraded);
    CHECK(a.assess(good(200)).health == Health::healthy);
    CHECK(a.failures() == 0);
    CHECK(a.assess(timeout(200)).failures == 1);
    CHECK(a.assess(timeout(200)).failures == 2);
    v = a.assess(timeout(200));
    CHECK(v.health == Health::reconnect);
    CHECK(v.failures == 3);
    CHECK(v.reason.find("nothing received for 3 checks") != std::string::npos);
}

TEST_CASE("an answer over latency_threshold is a bad check, one under it is good", "[health]") {
    Assessor a(settings(2, 300ms));
    Sample slow = good(10);
    slow.rtt = 450ms;
    auto v = a.assess(slow);
    CHECK(v.health == Health::degraded);
    CHECK(v.reason == "round trip 450 ms, over the 300 ms threshold");  // bytes did come in
    slow.rx_bytes = 20;
    CHECK(a.assess(slow).health == Health::reconnect);
    Sample fine = good(30);
    fine.rtt = 300ms;  // at the threshold is not over it
    CHECK(a.assess(fine).health == Health::healthy);
}

TEST_CASE("WireGuard's own signals: a stale or missing handshake is bad, a gone device reconnects at once",
          "[health]") {
    Assessor a(settings(3));
    Sample stale = good(10);
    stale.handshake_age = handshake_stale + 1s;
    auto v = a.assess(stale);
    CHECK(v.health == Health::degraded);
    CHECK(v.reason == "last WireGuard handshake 181 s ago");
    Sample none = good(20);
    none.handshake_age.reset();
    CHECK(a.assess(none).reason == "no WireGuard handshake yet");
    Sample edge = good(30);
    edge.handshake_age = handshake_stale;
    CHECK(a.assess(edge).health == Health::healthy);

    Sample gone;
    gone.tunnel_present = false;
    v = a.assess(gone);
    CHECK(v.health == Health::reconnect);
    CHECK(v.reason == "the tunnel device is gone");
    a.reset();
    CHECK(a.failures() == 0);
}

TEST_CASE("the probe timeout follows the threshold within 1..10 s", "[health]") {
    CHECK(probe_timeout(settings(3, 100ms)) == 1000ms);
    CHECK(probe_timeout(settings(3, 800ms)) == 1600ms);
    CHECK(probe_timeout(settings(3, 60000ms)) == 10000ms);
}

TEST_CASE("backoff doubles from the first wait up to the cap, with bounded jitter", "[health]") {
    Backoff b(BackoffPolicy{2000ms, 10000ms, 2.0, 0.2});
    CHECK(b.next(0.5) == 2000ms);
    CHECK(b.next(0.5) == 4000ms);
    CHECK(b.next(0.5) == 8000ms);
    CHECK(b.next(0.5) == 10000ms);
    CHECK(b.rounds() == 4);
    for (int i = 0; i < 100; ++i) CHECK(b.next(0.999) <= 10000ms);  // the cap holds even with jitter
    CHECK(b.next(0.0) == 8000ms);                                  // -20 % of the cap
    b.reset();
    CHECK(b.next(0.0) == 1600ms);
    CHECK(b.next(1.0) == 4800ms);
}

TEST_CASE("backoff stays finite however long everything fails", "[health]") {
    Backoff b(BackoffPolicy{1000ms, 300000ms, 2.0, 0.0});
    std::chrono::milliseconds last{};
    for (int i = 0; i < 10000; ++i) last = b.next(0.5);
    CHECK(last == 300000ms);
}

TEST_CASE("recently failed servers go last, the longest-ago failure first; old failures are forgotten",
          "[health]") {
    RecentFailures r(600s);
    std::vector<std::string> names{"CH#1", "NL#2", "US#3", "SE#4"};
    CHECK(r.order(names, 1000) == std::vector<std::size_t>{0, 1, 2, 3});
    r.failed("CH#1", 1000);
    CHECK(r.order(names, 1001) == std::vector<std::size_t>{1, 2, 3, 0});
    r.failed("US#3", 1002);
    r.failed("NL#2", 1001);
    CHECK(r.order(names, 1003) == std::vector<std::size_t>{3, 0, 1, 2});
    r.failed("SE#4", 1004);
    CHECK(r.order(names, 1005) == std::vector<std::size_t>{0, 1, 2, 3});  // all failed: oldest failure first
    r.succeeded("US#3");
    CHECK(r.order(names, 1005) == std::vector<std::size_t>{2, 0, 1, 3});
    CHECK_FALSE(r.recently_failed("CH#1", 1601));
    CHECK(r.order(names, 1602) == std::vector<std::size_t>{0, 1, 2, 3});  // only SE#4 is still recent
}

TEST_CASE("only failures that can pass are retried", "[health]") {
    CHECK(worth_retrying(Errc::network));
    CHECK(worth_retrying(Errc::tunnel_failed));
    CHECK(worth_retrying(Errc::api_error));
    CHECK(worth_retrying(Errc::rate_limited));
    CHECK(worth_retrying(Errc::no_server));
    CHECK_FALSE(worth_retrying(Errc::auth_failed));
    CHECK_FALSE(worth_retrying(Errc::twofa_required));
    CHECK_FALSE(worth_retrying(Errc::human_verification));
    CHECK_FALSE(worth_retrying(Errc::not_configured));
    CHECK_FALSE(worth_retrying(Errc::app_outdated));
}

namespace {

/// Hands out scripted samples; each check takes `delay` on the loop.
class FakeProbe final : public Probe {
public:
    explicit FakeProbe(boost::asio::io_context& io) : io_(io) {}
    std::deque<Sample> samples;
    std::chrono::milliseconds delay{0};
    int calls = 0;

    boost::asio::awaitable<Sample> sample(std::chrono::milliseconds) override {
        ++calls;
        if (delay.count() > 0) {
            boost::asio::steady_timer t(io_, delay);
            co_await t.async_wait(boost::asio::use_awaitable);
        }
        Sample s = samples.empty() ? Sample{} : samples.front();
        if (!samples.empty()) samples.pop_front();
        co_return s;
    }

private:
    boost::asio::io_context& io_;
};

} // namespace

TEST_CASE("the monitor checks on demand, reports each verdict, and stops itself after a reconnect verdict",
          "[health]") {
    boost::asio::io_context io;
    FakeProbe probe(io);
    probe.samples = {good(1), timeout(1), timeout(1), good(2)};
    std::vector<Report> heard;
    Monitor m(io.get_executor(), probe, [&](Report const& r) { heard.push_back(r); });
    m.start(Settings{3600s, 2, 500ms});  // the interval never elapses here: check_now drives it
    for (int i = 0; i < 4; ++i) {
        m.check_now();
        test::run_for(io, 20ms);
    }
    REQUIRE(heard.size() == 3);
    CHECK(heard[0].verdict.health == Health::healthy);
    CHECK(heard[0].rtt == std::chrono::microseconds(20ms));
    CHECK(heard[0].time > 0);
    CHECK(heard[1].verdict.health == Health::degraded);
    CHECK(heard[2].verdict.health == Health::reconnect);
    CHECK_FALSE(m.running());
    CHECK(probe.calls == 3);  // check_now after the stop did nothing
    REQUIRE(m.last());
    CHECK(m.last()->verdict.failures == 2);

    m.start(Settings{3600s, 2, 500ms});
    CHECK_FALSE(m.last());  // a new tunnel starts with a clean history
    m.check_now();
    test::run_for(io, 20ms);
    REQUIRE(heard.size() == 4);
    CHECK(heard[3].verdict.health == Health::healthy);
}

TEST_CASE("a check in flight when the monitor stops is dropped", "[health]") {
    boost::asio::io_context io;
    FakeProbe probe(io);
    probe.delay = 50ms;
    probe.samples = {timeout(1)};
    int heard = 0;
    Monitor m(io.get_executor(), probe, [&](Report const&) { ++heard; });
    m.start(Settings{3600s, 1, 500ms});
    m.check_now();
    test::run_for(io, 10ms);
    CHECK(probe.calls == 1);
    m.stop();
    test::run_for(io, 100ms);
    CHECK(heard == 0);
    CHECK_FALSE(m.last());
}

TEST_CASE("the monitor checks once per interval on its own", "[health]") {
    boost::asio::io_context io;
    FakeProbe probe(io);
    probe.samples = {good(1), good(2)};
    int heard = 0;
    Monitor m(io.get_executor(), probe, [&](Report const&) { ++heard; });
    m.start(Settings{1s, 3, 500ms});
    test::run_for(io, 1500ms);
    CHECK(heard == 1);
    m.stop();
}
