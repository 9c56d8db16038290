#include "daemon/core/resume.hpp"
#include "catch_result.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace pvpn;
using namespace pvpn::core;

namespace {

ChosenServer ch1() {
    ChosenServer s;
    s.name = "CH#1";
    s.entry_country = "CH";
    s.exit_country = "CH";
    s.city = "Zurich";
    s.entry_ip = "203.0.113.11";
    s.domain = "ch-01.lab.test";
    s.public_key = "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8hISE=";
    s.features = 4;
    s.load = 30;
    return s;
}

ConnectParams params() {
    ConnectParams p;
    p.selection.cc = "CH";
    p.selection.p2p = true;
    p.selection.fastest = Fastest::api;
    p.selection.threshold = 70;
    p.selection.latency_cutoff_ms = 150;
    p.dns = false;
    p.ks = true;
    p.twofa = "123456";
    p.hv_token = "solved";
    return p;
}

} // namespace

TEST_CASE("the saved connection round-trips without the one-time secrets", "[resume]") {
    Config config;
    auto back = parse_resume(resume_json({params(), ch1()}), config);
    REQUIRE(back);
    auto const& p = back->params;
    CHECK(p.selection.cc == "CH");
    CHECK(p.selection.p2p);
    CHECK_FALSE(p.selection.sc);
    CHECK(p.selection.fastest == Fastest::api);
    CHECK(p.selection.threshold == 70);
    CHECK(p.selection.latency_cutoff_ms == 150);
    CHECK_FALSE(p.dns);
    CHECK(p.ks);
    CHECK(p.twofa.empty());
    CHECK(p.hv_token.empty());
    REQUIRE(back->server);
    CHECK(back->server->name == "CH#1");
    CHECK(back->server->entry_ip == "203.0.113.11");
    CHECK(back->server->public_key == ch1().public_key);
    CHECK(back->server->domain == "ch-01.lab.test");
    CHECK(back->server->features == 4);
    CHECK(back->server->load == 30);
    CHECK(resume_json({params(), ch1()}).find("123456") == std::string::npos);

    auto connecting = parse_resume(resume_json({params(), std::nullopt}), config);
    REQUIRE(connecting);
    CHECK_FALSE(connecting->server);
}

TEST_CASE("a damaged saved connection is an error, not a connect with defaults", "[resume]") {
    Config config;
    CHECK_FALSE(parse_resume("", config));
    CHECK_FALSE(parse_resume("[]", config));
    CHECK_FALSE(parse_resume(R"({"version":2,"params":{}})", config));
    CHECK_FALSE(parse_resume(R"({"version":1})", config));
    CHECK_FALSE(parse_resume(R"({"version":1,"params":{"cc":"CHE"}})", config));
    CHECK_FALSE(parse_resume(R"({"version":1,"params":{},"server":{"name":"CH#1"}})", config));
    CHECK(parse_resume(R"({"version":1,"params":{},"server":null})", config));
}

TEST_CASE("the saved connection file is private, and forgetting it twice is fine", "[resume]") {
    test::TempDir dir;
    auto file = dir.path() / "connection.json";
    Config config;
    auto none = load_resume(file, config);
    REQUIRE(none);
    CHECK_FALSE(*none);
    REQUIRE(save_resume(file, {params(), ch1()}));
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto loaded = load_resume(file, config);
    REQUIRE(loaded);
    REQUIRE(*loaded);
    CHECK((*loaded)->server->name == "CH#1");
    CHECK(forget_resume(file));
    CHECK(forget_resume(file));
    CHECK_FALSE(*load_resume(file, config));
}
