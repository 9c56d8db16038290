#include "catch_result.hpp"
#include "daemon/qbt/sync.hpp"
#include "run_awaitable.hpp"
#include "tests/fakes/fake_qbittorrent.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace pvpn;
using namespace std::chrono_literals;
using test::FakeQbittorrent;

namespace {

struct Rig {
    boost::asio::io_context io;
    std::shared_ptr<FakeQbittorrent::State> qb = std::make_shared<FakeQbittorrent::State>();
    std::vector<boost::json::object> events;
    std::unique_ptr<qbt::QbtSync> sync;
    int probes = 0;

    explicit Rig(qbt::SyncOptions options = {}) {
        options.interface = "wgpch";
        options.poll = 100ms;
        auto state = qb;
        qbt::QbtSync::Probe probe = [this, state](std::uint16_t port) -> boost::asio::awaitable<bool> {
            ++probes;
            co_return state->socket_ok && state->prefs.listen_port == port;
        };
        sync = std::make_unique<qbt::QbtSync>(io.get_executor(), std::make_unique<FakeQbittorrent>(qb), options,
                                              probe, [this](boost::json::object e) { events.push_back(e); });
    }
};

} // namespace

TEST_CASE("the sync sets the forwarded port and confirms it", "[qbt]") {
    qbt::SyncOptions o;
    o.bind_interface = true;
    Rig rig(o);
    rig.sync->start();
    test::run_for(rig.io, 50ms);
    CHECK(rig.sync->status_json().at("message") == "waiting for the forwarded port");
    CHECK(rig.qb->ports_written.empty());

    rig.sync->set_port(45111);
    test::run_for(rig.io, 50ms);
    CHECK(rig.qb->prefs.listen_port == 45111);
    CHECK_FALSE(rig.qb->prefs.upnp);
    CHECK(rig.qb->prefs.network_interface == "wgpch");
    auto st = rig.sync->status_json();
    CHECK(st.at("in_sync") == true);
    CHECK(st.at("reachable") == true);
    CHECK(st.at("listen_port") == 45111);
    CHECK(st.at("active_torrents") == 0);
    CHECK(rig.sync->warning().empty());

    rig.sync->set_port(46000);  // the gateway changed the port
    test::run_for(rig.io, 50ms);
    CHECK(rig.qb->prefs.listen_port == 46000);
    CHECK(rig.qb->ports_written == std::vector<long>{45111, 46000});
}

TEST_CASE("a port qBittorrent claims but does not listen on is bounced", "[qbt]") {
    Rig rig;
    rig.qb->prefs.listen_port = 45111;
    rig.qb->socket_ok = false;  // bound to the interface that was just recreated
    rig.sync->start();
    rig.sync->set_port(45111);
    test::run_for(rig.io, 1500ms);
    CHECK(rig.qb->ports_written == std::vector<long>{45111, 45112, 45111});
    CHECK(rig.qb->socket_ok);
    CHECK(rig.sync->status_json().at("in_sync") == true);

    // Later the socket breaks again: the next poll notices and bounces again.
    rig.qb->socket_ok = false;
    test::run_for(rig.io, 1500ms);
    CHECK(rig.qb->socket_ok);
    CHECK(rig.qb->ports_written.size() == 6);
}

TEST_CASE("qBittorrent going away is a warning; when it is back the port is set again", "[qbt]") {
    Rig rig;
    rig.sync->start();
    rig.sync->set_port(45111);
    test::run_for(rig.io, 50ms);
    REQUIRE(rig.qb->prefs.listen_port == 45111);

    rig.qb->down = true;
    test::run_for(rig.io, 150ms);
    auto st = rig.sync->status_json();
    CHECK(st.at("reachable") == false);
    CHECK(st.at("in_sync") == false);
    CHECK(std::string(st.at("message").as_string()).find("unreachable") != std::string::npos);
    CHECK_FALSE(rig.sync->warning().empty());
    REQUIRE(rig.events.size() == 1);  // one warning event, not one per poll
    test::run_for(rig.io, 250ms);
    CHECK(rig.events.size() == 1);

    // Restarted with its own port again.
    rig.qb->prefs.listen_port = 41000;
    rig.qb->down = false;
    test::run_for(rig.io, 150ms);
    CHECK(rig.qb->prefs.listen_port == 45111);
    CHECK(rig.sync->status_json().at("in_sync") == true);
    CHECK(rig.sync->warning().empty());
}

TEST_CASE("a listen port changed behind pvpn's back is set again", "[qbt]") {
    Rig rig;
    rig.sync->start();
    rig.sync->set_port(45111);
    test::run_for(rig.io, 50ms);
    rig.qb->prefs.listen_port = 50000;
    test::run_for(rig.io, 150ms);
    CHECK(rig.qb->prefs.listen_port == 45111);
}

TEST_CASE("with nothing downloading, paused and stalled torrents are resumed", "[qbt]") {
    qbt::SyncOptions o;
    o.resume_after = 0ms;
    SECTION("qBittorrent 4.x: torrents/resume") {
        Rig rig(o);
        rig.qb->torrents = {{"aa", "pausedDL", 0}, {"bb", "stalledDL", 0}, {"cc", "uploading", 0}};
        rig.sync->start();
        rig.sync->set_port(45111);
        test::run_for(rig.io, 150ms);
        CHECK(rig.qb->resumed == std::vector<std::string>{"aa", "bb"});
        CHECK(rig.qb->resume_endpoint == "resume");
        test::run_for(rig.io, 300ms);
        CHECK(rig.qb->resumed.size() == 2);  // once per port set
    }
    SECTION("qBittorrent 5.x: torrents/start, filter stopped") {
        Rig rig(o);
        rig.qb->version = "v5.0.1";
        rig.qb->torrents = {{"aa", "stoppedDL", 0}};
        rig.sync->start();
        rig.sync->set_port(45111);
        test::run_for(rig.io, 150ms);
        CHECK(rig.qb->resumed == std::vector<std::string>{"aa"});
        CHECK(rig.qb->resume_endpoint == "start");
    }
    SECTION("something is downloading: nothing is touched") {
        Rig rig(o);
        rig.qb->torrents = {{"aa", "pausedDL", 0}, {"dd", "downloading", 5000}};
        rig.sync->start();
        rig.sync->set_port(45111);
        test::run_for(rig.io, 150ms);
        CHECK(rig.qb->resumed.empty());
        CHECK(rig.sync->status_json().at("active_torrents") == 1);
    }
}

TEST_CASE("qBittorrent's answers are parsed", "[qbt]") {
    CHECK(qbt::parse_version("v4.5.2")->major == 4);
    CHECK(qbt::parse_version("v4.5.2")->patch == 2);
    CHECK(qbt::parse_version("v5.0.0beta1\n")->major == 5);
    CHECK(qbt::parse_version("v4.6")->minor == 6);
    CHECK_FALSE(qbt::parse_version("Forbidden"));
    CHECK_FALSE(qbt::parse_version("v4"));
    auto p = qbt::parse_preferences(R"({"listen_port":41000,"random_port":false,"upnp":true,)"
                                    R"("current_network_interface":"wgpch","web_ui_port":8080})");
    REQUIRE(p);
    CHECK(p->listen_port == 41000);
    CHECK(p->upnp);
    CHECK(p->network_interface == "wgpch");
    CHECK_FALSE(qbt::parse_preferences("Forbidden"));
    CHECK_FALSE(qbt::parse_preferences(R"({"upnp":true})"));
    auto t = qbt::parse_torrents(R"([{"hash":"ab","state":"stalledDL","dlspeed":0},{"state":"x"}])");
    REQUIRE(t);
    REQUIRE(t->size() == 1);
    CHECK(t->at(0).hash == "ab");
    CHECK(qbt::paused_filter({4, 5, 2}) == "paused");
    CHECK(qbt::paused_filter({5, 0, 0}) == "stopped");
}
