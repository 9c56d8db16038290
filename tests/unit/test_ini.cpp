#include "common/ini.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pvpn;
using pvpn::ini::IniDocument;

namespace {

constexpr char const* realistic = "# pvpn settings\n"
                                  "; written by hand\n"
                                  "\n"
                                  "[protonvpn]\n"
                                  "user = alice   \n"
                                  "pass=p#ss;word # not a comment\n"
                                  "\t2fa =\n"
                                  "\n"
                                  "# qBittorrent part\n"
                                  "[qbittorrent]  ; the torrent client\n"
                                  "enable = true\n"
                                  "url   =   http://127.0.0.1:8080\n"
                                  "custom_key = kept as is\n"
                                  "\n"
                                  "[my-own]\n"
                                  "Anything = goes here\n"
                                  "[monitor]\n"
                                  "interval = 60            # seconds between checks\n"
                                  "failures = 3 ; consecutive bad pings\n"
                                  "latency_threshold = 500";

/// Trailing comments only for [monitor], as config.ini allows them only for numbers.
ini::InlineCommentRule monitor_comments() {
    return [](std::string_view section, std::string_view) { return section == "monitor"; };
}

IniDocument parse_ok(std::string_view text, ini::InlineCommentRule rule = {}) {
    auto doc = ini::parse(text, {}, std::move(rule));
    if (!doc) FAIL(doc.error().message);
    return *doc;
}

std::string parse_error(std::string_view text, std::string_view source = {}) {
    auto doc = ini::parse(text, source);
    REQUIRE_FALSE(doc);
    CHECK(doc.error().code == Errc::config_invalid);
    return doc.error().message;
}

} // namespace

TEST_CASE("an untouched document renders byte for byte", "[ini]") {
    CHECK(parse_ok(realistic).render() == realistic);
    CHECK(parse_ok(realistic, monitor_comments()).render() == realistic);
    std::string crlf = "[a]\r\nx = 1\r\n\r\n; c\r\n[b]\r\ny=2";
    CHECK(parse_ok(crlf).render() == crlf);
    CHECK(parse_ok("").render().empty());
    std::string bom = "\xEF\xBB\xBF[a]\nx = 1\n";
    CHECK(parse_ok(bom).render() == bom);
    CHECK(parse_ok(bom).get("a", "x") == "1");
    CHECK(parse_ok("\n\n# only comments\n").render() == "\n\n# only comments\n");
}

TEST_CASE("values are trimmed and the rest of the line is the value", "[ini]") {
    auto doc = parse_ok(realistic, monitor_comments());
    CHECK(doc.get("protonvpn", "user") == "alice");
    CHECK(doc.get("protonvpn", "pass") == "p#ss;word # not a comment");
    CHECK(doc.get("protonvpn", "2fa") == "");
    CHECK(doc.get("qbittorrent", "url") == "http://127.0.0.1:8080");
    CHECK(doc.get("my-own", "Anything") == "goes here");
    CHECK(doc.get("monitor", "interval") == "60");
    CHECK(doc.get("monitor", "failures") == "3");
    CHECK(doc.get("monitor", "latency_threshold") == "500");
    CHECK_FALSE(doc.get("protonvpn", "missing"));
    CHECK_FALSE(doc.get("nosuch", "user"));

    auto plain = parse_ok(realistic);
    CHECK(plain.get("monitor", "interval") == "60            # seconds between checks");
}

TEST_CASE("keys and sections are case-sensitive and listed in file order", "[ini]") {
    auto doc = parse_ok(realistic);
    CHECK_FALSE(doc.get("my-own", "anything"));
    CHECK_FALSE(doc.get("Protonvpn", "user"));
    CHECK(doc.sections() == std::vector<std::string>{"protonvpn", "qbittorrent", "my-own", "monitor"});
    CHECK(doc.keys("qbittorrent") == std::vector<std::string>{"enable", "url", "custom_key"});
    CHECK(doc.keys("nosuch").empty());
    CHECK(doc.line_of("protonvpn", "pass") == 6u);
    CHECK(doc.line_of("monitor", "latency_threshold") == 20u);
    CHECK(doc.section_line("qbittorrent") == 10u);
    CHECK(doc.has_section("my-own"));
    CHECK_FALSE(doc.has_section("network"));
    // Same key in different sections is fine.
    auto two = parse_ok("[a]\nk = 1\n[b]\nk = 2\n");
    CHECK(two.get("a", "k") == "1");
    CHECK(two.get("b", "k") == "2");
}

TEST_CASE("parse errors name the line and the key", "[ini]") {
    CHECK(parse_error("[a]\nx = 1\n\n\n\n\njust words\n") == "line 7: expected 'key = value'");
    CHECK(parse_error("[a]\nuser = a\n# c\nuser = b\n") ==
          "line 4: key 'user' appears twice in [a] (first on line 2)");
    CHECK(parse_error("# top\nuser = a\n[a]\n") == "line 2: key 'user' comes before any [section]");
    CHECK(parse_error("[a]\n[b]\n[a]\n") == "line 3: section [a] appears twice (first on line 1)");
    CHECK(parse_error("[a\n") == "line 1: expected ']' to close the section name");
    CHECK(parse_error("[a] b\n") == "line 1: unexpected text after ']'");
    CHECK(parse_error("[ ]\n") == "line 1: empty section name");
    CHECK(parse_error("[a]\n = x\n") == "line 2: empty key before '='");
    CHECK(parse_error(std::string("[a]\nx = a\0b\n", 12)) == "line 2: contains a NUL byte");
    CHECK(parse_error("[a]\noops\n", "/etc/x/config.ini") == "/etc/x/config.ini:2: expected 'key = value'");
}

TEST_CASE("set edits a value in place and keeps the trailing comment", "[ini]") {
    auto doc = parse_ok(realistic, monitor_comments());
    REQUIRE(doc.set("monitor", "interval", "30"));
    REQUIRE(doc.set("qbittorrent", "url", "http://10.0.0.2:9090"));
    REQUIRE(doc.set("protonvpn", "2fa", "123456"));
    REQUIRE(doc.set("protonvpn", "pass", "new#pass ; still value"));
    std::string expected = realistic;
    auto replace = [&](std::string const& from, std::string const& to) {
        auto at = expected.find(from);
        REQUIRE(at != std::string::npos);
        expected.replace(at, from.size(), to);
    };
    replace("interval = 60            #", "interval = 30            #");
    replace("url   =   http://127.0.0.1:8080", "url   =   http://10.0.0.2:9090");
    replace("\t2fa =\n", "\t2fa = 123456\n");
    replace("pass=p#ss;word # not a comment", "pass=new#pass ; still value");
    CHECK(doc.render() == expected);

    auto again = parse_ok(doc.render(), monitor_comments());
    CHECK(again.get("monitor", "interval") == "30");
    CHECK(again.get("protonvpn", "pass") == "new#pass ; still value");
    CHECK(again.get("protonvpn", "2fa") == "123456");
}

TEST_CASE("setting a value to empty and back keeps a tidy line", "[ini]") {
    auto doc = parse_ok("[s]\na = 1\nb = 2 # note\n", monitor_comments());
    REQUIRE(doc.set("s", "a", ""));
    CHECK(doc.render() == "[s]\na =\nb = 2 # note\n");
    REQUIRE(doc.set("s", "a", "3"));
    CHECK(doc.render() == "[s]\na = 3\nb = 2 # note\n");

    auto commented = parse_ok("[monitor]\nfailures =   # none yet\n", monitor_comments());
    CHECK(commented.get("monitor", "failures") == "");
    REQUIRE(commented.set("monitor", "failures", "4"));
    CHECK(commented.render() == "[monitor]\nfailures = 4 # none yet\n");
}

TEST_CASE("a new key goes after the last key of its section", "[ini]") {
    auto doc = parse_ok("[a]\nx = 1\n\n# about b\n[b]\ny = 2\n");
    REQUIRE(doc.set("a", "z", "3"));
    REQUIRE(doc.set("b", "w", ""));
    CHECK(doc.render() == "[a]\nx = 1\nz = 3\n\n# about b\n[b]\ny = 2\nw =\n");

    auto empty_section = parse_ok("[a]\n# nothing yet\n[b]");
    REQUIRE(empty_section.set("a", "k", "v"));
    REQUIRE(empty_section.set("b", "k", "v"));
    CHECK(empty_section.render() == "[a]\nk = v\n# nothing yet\n[b]\nk = v\n");
}

TEST_CASE("a new section goes at the end of the document", "[ini]") {
    auto doc = parse_ok("[a]\nx = 1");
    REQUIRE(doc.set("new", "k", "v"));
    CHECK(doc.render() == "[a]\nx = 1\n\n[new]\nk = v\n");

    IniDocument blank;
    REQUIRE(blank.set("first", "k", "v"));
    REQUIRE(blank.set("second", "k", "w"));
    CHECK(blank.render() == "[first]\nk = v\n\n[second]\nk = w\n");

    auto crlf = parse_ok("[a]\r\nx = 1\r\n");
    REQUIRE(crlf.set("a", "y", "2"));
    REQUIRE(crlf.set("b", "z", "3"));
    CHECK(crlf.render() == "[a]\r\nx = 1\r\ny = 2\r\n\r\n[b]\r\nz = 3\r\n");
}

TEST_CASE("set refuses what would not read back", "[ini]") {
    auto doc = parse_ok("[monitor]\ninterval = 1\n[s]\np = x\n", monitor_comments());
    auto before = doc.render();
    CHECK(doc.set("s", "p", "two\nlines").error().code == Errc::invalid_params);
    CHECK(doc.set("s", "p", "cr\rhere").error().code == Errc::invalid_params);
    CHECK(doc.set("s", "p", " padded").error().code == Errc::invalid_params);
    CHECK(doc.set("s", "p", "padded\t").error().code == Errc::invalid_params);
    CHECK(doc.set("monitor", "interval", "5 # five").error().code == Errc::invalid_params);
    CHECK(doc.set("s", "bad key", "v").error().code == Errc::invalid_params);
    CHECK(doc.set("s", "#key", "v").error().code == Errc::invalid_params);
    CHECK(doc.set("a]b", "k", "v").error().code == Errc::invalid_params);
    CHECK(doc.render() == before);
    // Without trailing comments the same text is an ordinary value.
    REQUIRE(doc.set("s", "p", "5 # five"));
    CHECK(parse_ok(doc.render(), monitor_comments()).get("s", "p") == "5 # five");
}

TEST_CASE("valid_name accepts config keys and refuses syntax characters", "[ini]") {
    CHECK(ini::valid_name("2fa"));
    CHECK(ini::valid_name("threshold_default"));
    CHECK(ini::valid_name("my-own.section"));
    CHECK_FALSE(ini::valid_name(""));
    CHECK_FALSE(ini::valid_name("a b"));
    CHECK_FALSE(ini::valid_name("a=b"));
    CHECK_FALSE(ini::valid_name(";x"));
    CHECK_FALSE(ini::valid_name("[x"));
}
