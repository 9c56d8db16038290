#include "daemon/portfwd/lease_loop.hpp"
#include "run_awaitable.hpp"
#include "tests/fakes/fake_port_mapper.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::portfwd;
using namespace std::chrono_literals;
using test::FakePortMapper;

namespace {

struct Rig {
    boost::asio::io_context io;
    FakePortMapper* mapper = nullptr;
    std::vector<boost::json::object> events;
    std::vector<LeaseSnapshot> heard;
    std::unique_ptr<LeaseLoop> loop;

    explicit Rig(std::function<void(FakePortMapper&)> script, Millis renew = 1s) {
        auto m = std::make_unique<FakePortMapper>();
        script(*m);
        mapper = m.get();
        LeaseOptions o;
        o.renew = renew;
        loop = std::make_unique<LeaseLoop>(
            io.get_executor(), std::move(m), o, [this](boost::json::object e) { events.push_back(std::move(e)); },
            [this](LeaseSnapshot const& s) { heard.push_back(s); });
    }
};

} // namespace

TEST_CASE("the lease maps TCP and UDP, renews, and follows a changed port", "[portfwd]") {
    Rig rig([](FakePortMapper& m) {
        m.both(FakePortMapper::port(45111));
        m.both(FakePortMapper::port(46000));
    });
    rig.loop->start();
    test::run_for(rig.io, 300ms);
    auto st = rig.loop->status_json();
    CHECK(st.at("state") == "active");
    CHECK(st.at("port") == 45111);
    CHECK(st.at("protocols") == boost::json::array{"udp", "tcp"});
    CHECK(st.at("expires_in").as_int64() >= 59);
    CHECK(st.at("last_renewal").as_int64() > 0);
    CHECK(st.at("message") == "");

    test::run_for(rig.io, 1000ms);  // renewed after 1 s: the gateway now hands out 46000
    CHECK(rig.mapper->requests[Protocol::tcp] == 2);
    CHECK(rig.loop->snapshot().port == 46000);
    REQUIRE(rig.heard.size() == 3);  // pending, 45111, 46000
    CHECK(rig.heard[0].state == LeaseState::pending);
    CHECK(rig.heard[1].port == 45111);
    CHECK(rig.heard[2].port == 46000);
    REQUIRE(rig.events.size() == 3);
    CHECK(rig.events[2].at("type") == "port");
    CHECK(rig.events[2].at("port") == 46000);

    rig.loop->stop();
    CHECK(rig.mapper->cancelled);
    CHECK(rig.loop->status_json().at("state") == "off");
    test::run_for(rig.io, 1100ms);
    CHECK(rig.mapper->requests[Protocol::tcp] == 2);  // nothing after stop
    CHECK(rig.heard.size() == 3);
}

TEST_CASE("a server without NAT-PMP is reported unavailable and retried later", "[portfwd]") {
    Rig rig([](FakePortMapper& m) {
        m.both(FakePortMapper::failure(MapFailure::refused, "the server refuses NAT-PMP (10.2.0.1:5351 is closed)"));
    });
    rig.loop->start();
    test::run_for(rig.io, 200ms);
    auto st = rig.loop->status_json();
    CHECK(st.at("state") == "unavailable");
    CHECK(st.at("port").is_null());
    auto msg = std::string(st.at("message").as_string());
    CHECK(msg.find("port forwarding unavailable on this server") == 0);
    CHECK(msg.find("--p2p") != std::string::npos);
    CHECK(rig.mapper->requests[Protocol::tcp] == 1);
    CHECK(rig.mapper->requests[Protocol::udp] == 1);  // asked together with TCP
    test::run_for(rig.io, 2000ms);  // first retry after 2 s
    CHECK(rig.mapper->requests[Protocol::tcp] == 2);
    CHECK(rig.heard.size() == 2);  // pending, unavailable (not repeated per retry)
}

TEST_CASE("a UDP port that differs from the TCP one leaves only TCP forwarded", "[portfwd]") {
    Rig rig([](FakePortMapper& m) {
        m.script[Protocol::tcp].push_back(FakePortMapper::port(45111));
        m.script[Protocol::udp].push_back(FakePortMapper::port(45999));
    });
    rig.loop->start();
    test::run_for(rig.io, 100ms);
    auto st = rig.loop->status_json();
    CHECK(st.at("state") == "active");
    CHECK(st.at("port") == 45111);
    CHECK(st.at("protocols") == boost::json::array{"tcp"});
    CHECK(std::string(st.at("message").as_string()).find("only TCP") != std::string::npos);
}

TEST_CASE("a failed renewal keeps the port while the lease holds", "[portfwd]") {
    Rig rig([](FakePortMapper& m) {
        m.both(FakePortMapper::port(45111));
        m.both(FakePortMapper::failure(MapFailure::no_answer, "no answer from 10.2.0.1:5351 within 8 s"));
    });
    rig.loop->start();
    test::run_for(rig.io, 1200ms);
    auto st = rig.loop->status_json();
    CHECK(st.at("state") == "active");
    CHECK(st.at("port") == 45111);
    CHECK(std::string(st.at("message").as_string()).find("renewal failed") == 0);
    CHECK(rig.heard.size() == 2);
}
