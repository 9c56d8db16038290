#include "catch_api_result.hpp"
#include "common/base64.hpp"
#include "daemon/proton/api_parse.hpp"
#include "daemon/proton/server_directory.hpp"
#include "daemon/proton/servers.hpp"
#include "run_awaitable.hpp"
#include "run_coro.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "tests/fakes/fake_proton_api.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>

using namespace pvpn;
using namespace pvpn::proton;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct Spec {
    std::string name;
    std::string cc;
    std::uint32_t features = 0;
    int load = 30;
    double score = 1.0;
    int tier = 2;
    int status = 1;
    bool physical_enabled = true;
};

std::string const key = std::string(43, 'A') + "=";

ServerList make_list(std::vector<Spec> const& specs) {
    ServerList list;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        auto const& s = specs[i];
        LogicalServer l;
        l.id = "id-" + s.name;
        l.name = s.name;
        l.entry_country = s.cc;
        l.exit_country = s.cc;
        l.city = "City";
        l.tier = s.tier;
        l.features = s.features;
        l.status = s.status;
        l.load = s.load;
        l.score = s.score;
        l.first_physical = static_cast<std::uint32_t>(list.physicals.size());
        l.physical_count = 1;
        PhysicalServer p;
        p.id = "p-" + s.name;
        p.entry_ip = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
        p.x25519_public_key = key;
        p.enabled = s.physical_enabled;
        list.physicals.push_back(p);
        list.logicals.push_back(l);
    }
    return list;
}

std::vector<std::string> names(ServerList const& list, std::vector<std::uint32_t> const& idx) {
    std::vector<std::string> out;
    for (auto i : idx) out.push_back(list.logicals[i].name);
    return out;
}

std::string no_match(ServerList const& list, ServerFilter const& f) {
    auto r = select_servers(list, f);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::no_server);
    return r.error().message;
}

} // namespace

TEST_CASE("filters: country, Secure Core, Tor, P2P, load, tier, maintenance", "[servers]") {
    auto list = make_list({
        {"CH#1", "CH", feature::p2p, 20, 1.5},
        {"CH#2", "CH", 0, 80, 1.0},
        {"IS-CH#1", "CH", feature::secure_core, 10, 0.5},
        {"CH#3", "CH", feature::tor, 10, 0.4},
        {"CH#4", "CH", 0, 10, 0.3, 2, 0},                  // maintenance
        {"CH#5", "CH", 0, 10, 0.2, 2, 1, false},           // no enabled physical server
        {"CH-FREE#1", "CH", 0, 50, 2.0, 0},
        {"SE#1", "SE", feature::p2p, 5, 0.1},
    });
    auto pick = [&](ServerFilter f) {
        auto r = select_servers(list, f);
        REQUIRE(r);
        return names(list, *r);
    };
    CHECK(pick({.country = "ch"}) == std::vector<std::string>{"CH#2", "CH#1", "CH-FREE#1"});
    CHECK(pick({.country = "CH", .secure_core = true}) == std::vector<std::string>{"IS-CH#1"});
    CHECK(pick({.country = "CH", .tor = true}) == std::vector<std::string>{"CH#3"});
    CHECK(pick({.country = "CH", .p2p = true}) == std::vector<std::string>{"CH#1"});
    CHECK(pick({.country = "CH", .max_load = 50}) == std::vector<std::string>{"CH#1", "CH-FREE#1"});
    CHECK(pick({.country = "CH", .max_tier = 0}) == std::vector<std::string>{"CH-FREE#1"});
    CHECK(pick({}) == std::vector<std::string>{"SE#1", "CH#2", "CH#1", "CH-FREE#1"});
    CHECK(pick({.p2p = true}) == std::vector<std::string>{"SE#1", "CH#1"});
}

TEST_CASE("ranking by score breaks ties by load, then name", "[servers]") {
    auto list = make_list({{"B#1", "NL", 0, 40, 1.0}, {"A#1", "NL", 0, 40, 1.0}, {"C#1", "NL", 0, 10, 1.0},
                           {"D#1", "NL", 0, 90, 0.5}});
    auto r = select_servers(list, {});
    REQUIRE(r);
    CHECK(names(list, *r) == std::vector<std::string>{"D#1", "C#1", "A#1", "B#1"});
}

TEST_CASE("'no server matches' names the filters that emptied the list", "[servers]") {
    std::vector<Spec> specs;
    for (int i = 0; i < 12; ++i) specs.push_back({"CH#" + std::to_string(i), "CH", i < 3 ? feature::p2p : 0u, 40 + i});
    specs.push_back({"IS-CH#1", "IS", feature::secure_core});
    specs.push_back({"IS-CH#2", "IS", feature::secure_core});
    specs.push_back({"DE#1", "DE", 0, 30, 1.0, 2, 0});
    specs.push_back({"JP#1", "JP", 0, 30, 1.0, 2});
    auto list = make_list(specs);

    CHECK(no_match(list, {.country = "CH", .p2p = true, .max_load = 10}) ==
          "no server matches: 12 servers in CH, 3 of them P2P, none with load ≤ 10%");
    CHECK(no_match(list, {.country = "XX"}) == "no server matches: no server in XX");
    CHECK(no_match(list, {.country = "IS"}) ==
          "no server matches: 2 servers in IS, none outside Secure Core and Tor (try --sc)");
    CHECK(no_match(list, {.country = "CH", .secure_core = true}) ==
          "no server matches: 12 servers in CH, none Secure Core");
    CHECK(no_match(list, {.country = "DE"}) ==
          "no server matches: 1 server in DE, none online (the rest are in maintenance)");
    CHECK(no_match(list, {.country = "JP", .max_tier = 0}) ==
          "no server matches: 1 server in JP, none on your plan (tier 0 or lower)");
    CHECK(no_match(list, {.p2p = true, .max_load = 5}) ==
          "no server matches: 16 servers, 14 of them not Secure Core or Tor, 3 of them P2P, none with load ≤ 5%");
    CHECK(no_match(ServerList{}, {}) == "no server matches: the server list is empty");
}

TEST_CASE("bad filter values are invalid_params", "[servers]") {
    auto list = make_list({{"CH#1", "CH"}});
    auto r = select_servers(list, {.country = "CHE"});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_params);
    auto t = select_servers(list, {.max_load = 101});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::invalid_params);
}

TEST_CASE("ranking by RTT: answered first by RTT, silent ones after in score order", "[servers]") {
    using us = std::chrono::microseconds;
    std::vector<std::uint32_t> by_score{7, 3, 5, 1, 9};
    std::vector<std::optional<us>> rtt{std::nullopt, us{900}, us{200}, std::nullopt, us{200}};
    CHECK(rank_by_rtt(by_score, rtt) == std::vector<std::uint32_t>{5, 9, 3, 7, 1});
    CHECK(rank_by_rtt(by_score, {}) == by_score);
}

TEST_CASE("probe address, random physical server, loads, names", "[servers]") {
    auto list = make_list({{"CH#1", "CH"}, {"CH#2", "CH", 0, 30, 1.0, 2, 1, false}});
    CHECK(probe_address(list, list.logicals[0]) == "10.0.0.1");
    CHECK(probe_address(list, list.logicals[1]).empty());
    std::mt19937 rng(1);
    REQUIRE(pick_physical(list, list.logicals[0], rng));
    CHECK(pick_physical(list, list.logicals[1], rng) == nullptr);

    std::vector<LoadUpdate> updates{{"id-CH#1", 77, 3.5, 1}, {"unknown", 1, 1, 1}, {"id-CH#2", 5, 0.5, 0}};
    CHECK(list.apply_loads(updates) == 2);
    CHECK(list.logicals[0].load == 77);
    CHECK(list.logicals[0].score == 3.5);
    CHECK(list.logicals[1].status == 0);
    CHECK(list.find("ch#2") == &list.logicals[1]);
    CHECK(list.find("CH#9") == nullptr);

    CHECK(feature_names(feature::secure_core | feature::p2p | feature::ipv6) ==
          std::vector<std::string_view>{"sc", "p2p", "ipv6"});
    auto j = server_json(list.logicals[0], std::chrono::microseconds{12345});
    CHECK(j.at("name").as_string() == "CH#1");
    CHECK(j.at("country").as_string() == "CH");
    CHECK(j.at("load").as_int64() == 77);
    CHECK(j.at("latency_ms").as_double() == Approx(12.3));
    CHECK_FALSE(server_json(list.logicals[0]).contains("latency_ms"));
}

namespace {
/// CPU time of this thread: unlike wall time, other processes on a busy build machine do not inflate it.
std::chrono::nanoseconds cpu_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
} // namespace

TEST_CASE("15,000 servers: select and list.v1 JSON well under 50 ms", "[servers]") {
    static char const* const countries[] = {"CH", "NL", "US", "DE", "SE", "JP", "FR", "GB", "CA", "AU"};
    std::vector<Spec> specs;
    for (int i = 0; i < 15000; ++i)
        specs.push_back({"S#" + std::to_string(i), countries[i % 10], (i % 3 == 0) ? feature::p2p : 0u, i % 100,
                         static_cast<double>((i * 7919) % 1000) / 100.0});
    auto list = make_list(specs);
    auto const start = cpu_now();
    auto all = select_servers(list, {});
    REQUIRE(all);
    auto storage = boost::json::make_shared_resource<boost::json::monotonic_resource>();
    boost::json::array out(storage);
    out.reserve(all->size());
    for (auto i : *all) out.push_back(server_json(list.logicals[i], std::nullopt, storage));
    auto filtered = select_servers(list, {.country = "ch", .p2p = true, .max_load = 60});
    REQUIRE(filtered);
    auto const elapsed = cpu_now() - start;
    CHECK(all->size() == 15000);
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 50);
}

TEST_CASE("cache age: full list every 3 h, loads every 15 min", "[servers]") {
    ServerCache c;
    CHECK(staleness(nullptr, 1000) == Staleness::full);
    CHECK(staleness(&c, 1000) == Staleness::full);
    c.fetched_at = 100'000;
    c.loads_fetched_at = 100'000;
    CHECK(staleness(&c, 100'000 + 14 * 60) == Staleness::fresh);
    CHECK(staleness(&c, 100'000 + 15 * 60) == Staleness::loads);
    c.loads_fetched_at = 100'000 + 3 * 3600 - 1;
    CHECK(staleness(&c, 100'000 + 3 * 3600 - 1) == Staleness::fresh);
    CHECK(staleness(&c, 100'000 + 3 * 3600) == Staleness::full);
    CHECK(staleness(&c, 100'000 - 3600) == Staleness::full);  // clock went back an hour
}

TEST_CASE("servers.json round-trips the compact list", "[servers]") {
    ServerCache c{make_list({{"CH#1", "CH", feature::p2p, 20, 1.25}, {"SE#1", "SE", 0, 3, 0.5, 0, 1, false}}),
                  1700000000, 1700000100, "Mon, 24 Nov 2025 10:00:00 GMT", 2};
    auto back = parse_server_cache(server_cache_json(c));
    REQUIRE(back);
    CHECK(back->fetched_at == 1700000000);
    CHECK(back->loads_fetched_at == 1700000100);
    CHECK(back->last_modified == c.last_modified);
    CHECK(back->max_tier == 2);
    REQUIRE(back->servers.logicals.size() == 2);
    auto const& l = back->servers.logicals[0];
    CHECK(l.name == "CH#1");
    CHECK(l.features == feature::p2p);
    CHECK(l.score == 1.25);
    CHECK(back->servers.physicals_of(l)[0].entry_ip == "10.0.0.1");
    CHECK(back->servers.physicals_of(l)[0].x25519_public_key == key);
    CHECK_FALSE(back->servers.physicals_of(back->servers.logicals[1])[0].enabled);
}

namespace {

struct DirectoryFixture {
    asio::io_context io;
    test::TempDir dir;
    test::FakeProtonApi api = [] {
        auto v = test::read_test_json("srp-vectors.json").at("signed_modulus_vectors").as_array().at(0).as_object();
        auto modulus = base64_decode(std::string(v.at("Decoded").as_string()));
        return test::FakeProtonApi(std::string(v.at("SignedModulus").as_string()), modulus.value());
    }();
    std::int64_t now = 1'700'000'000;
    Session session{io.get_executor(), api, [this] {
                        SessionOptions o;
                        o.file = dir / "session.json";
                        o.secrets = [this] { return LoginSecrets{api.user, api.password, "", std::nullopt}; };
                        o.now = [this] { return now; };
                        return o;
                    }()};

    ServerDirectory directory() {
        return ServerDirectory(io.get_executor(), session, dir / "servers.json", [this] { return now; }, 10ms);
    }

    ServerCache const* get(ServerDirectory& d) {
        auto r = test::run_coro(io, d.get());
        REQUIRE(r);
        return *r;
    }
};

} // namespace

TEST_CASE("the directory fetches, caches on disk, and refreshes loads and list when stale", "[servers]") {
    DirectoryFixture f;
    f.api.servers = make_list({{"CH#1", "CH", feature::p2p}, {"SE#1", "SE"}});
    auto d = f.directory();
    auto const* c = f.get(d);
    REQUIRE(c->servers.logicals.size() == 2);
    CHECK(c->max_tier == 2);
    CHECK(f.api.calls["logicals"] == 1);
    CHECK_FALSE(std::filesystem::exists(f.dir / "servers.json"));  // written a moment later, not during the fetch
    test::run_for(f.io, 50ms);
    CHECK(std::filesystem::exists(f.dir / "servers.json"));

    f.now += 10 * 60;  // fresh: no call
    f.get(d);
    CHECK(f.api.calls["logicals"] == 1);
    CHECK(f.api.calls["loads"] == 0);

    f.now += 6 * 60;  // loads stale
    f.api.load_updates = {{"id-CH#1", 99, 9.0, 1}};
    c = f.get(d);
    CHECK(f.api.calls["loads"] == 1);
    CHECK(c->servers.find("CH#1")->load == 99);
    test::run_for(f.io, 50ms);

    // A restarted daemon reads the cache, loads included, and does not refetch.
    auto d2 = f.directory();
    d2.load();
    c = f.get(d2);
    CHECK(c->servers.find("CH#1")->load == 99);
    CHECK(f.api.calls["logicals"] == 1);

    // After 3 h the list is asked for again with If-Modified-Since; 304 keeps it.
    f.now += 3 * 3600;
    f.api.list_changed = false;
    c = f.get(d2);
    CHECK(f.api.calls["logicals"] == 2);
    CHECK(f.api.last_if_modified_since == f.api.last_modified);
    CHECK(c->servers.logicals.size() == 2);
    CHECK(c->fetched_at == f.now);
}

TEST_CASE("a failed refresh falls back to the cached list, and without one reports the error", "[servers]") {
    DirectoryFixture f;
    f.api.servers = make_list({{"CH#1", "CH"}});
    auto d = f.directory();
    f.api.fail_next["vpn_info"] = {test::FakeProtonApi::error(0, 0, Errc::network, "no route")};
    auto r = test::run_coro(f.io, d.get());
    REQUIRE_FALSE(r);
    CHECK(r.error().error.code == Errc::network);

    f.get(d);
    f.now += 4 * 3600;
    f.api.fail_next["vpn_info"] = {test::FakeProtonApi::error(0, 0, Errc::network, "no route")};
    auto const* c = f.get(d);
    CHECK(c->servers.logicals.size() == 1);
    int const calls = f.api.calls["vpn_info"];
    f.get(d);  // within the retry delay: no new attempt
    CHECK(f.api.calls["vpn_info"] == calls);
}
