#include "daemon/core/config.hpp"

#include "common/log.hpp"
#include "catch_result.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

using namespace pvpn;
using namespace pvpn::core;
using pvpn::test::TempDir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// The spec's example config.ini, plus what users really have: comments,
// trailing comments on numbers, an unknown key and an unknown section.
constexpr char const* realistic = "# pvpn configuration\n"
                                  "[protonvpn]\n"
                                  "user = your_username\n"
                                  "pass = s3cret#pass;word\n"
                                  "2fa = 123456\n"
                                  "wireguard_port = 51820\n"
                                  "session_dir = /home/pi/.pvpn-cli/pvpn\n"
                                  "\n"
                                  "; the torrent client\n"
                                  "[qbittorrent]\n"
                                  "enable = true\n"
                                  "url = http://127.0.0.1:8080\n"
                                  "user = pipi\n"
                                  "pass = qb_pass_value\n"
                                  "port = 6881\n"
                                  "legacy_option = keep me\n"
                                  "\n"
                                  "[network]\n"
                                  "ks_default = false\n"
                                  "dns_default = true\n"
                                  "threshold_default = 60\n"
                                  "\n"
                                  "[monitor]\n"
                                  "interval = 60            # seconds between checks\n"
                                  "failures = 3             # consecutive bad pings before reconnect\n"
                                  "latency_threshold = 500  # milliseconds considered too slow\n"
                                  "\n"
                                  "[my-notes]\n"
                                  "anything = at all\n";

/// A config dir holding `text` as config.ini.
struct Fixture {
    TempDir tmp;
    fs::path dir = tmp / "pvpn";
    explicit Fixture(std::string_view text) {
        fs::create_directories(dir);
        test::write_text(dir / "config.ini", text);
    }
    fs::path file() const { return dir / "config.ini"; }
    std::string contents() const { return test::read_text(file()); }
};

/// Text of each section (header to the line before the next header), plus
/// "" for what comes before the first header.
std::map<std::string, std::string> chunks(std::string const& text) {
    std::map<std::string, std::string> out;
    std::string current;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        end = end == std::string::npos ? text.size() : end + 1;
        auto line = text.substr(pos, end - pos);
        if (line.starts_with("[")) current = line.substr(1, line.find(']') - 1);
        out[current] += line;
        pos = end;
    }
    return out;
}

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

mode_t mode_of(fs::path const& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("the schema has the spec's keys and sane entries", "[config]") {
    std::vector<std::string_view> known(config_sections().begin(), config_sections().end());
    CHECK(known == std::vector<std::string_view>{"protonvpn", "qbittorrent", "network", "monitor", "service"});
    for (auto const* id : {"protonvpn.user", "protonvpn.pass", "protonvpn.2fa", "protonvpn.wireguard_port",
                           "protonvpn.session_dir", "qbittorrent.enable", "qbittorrent.url", "qbittorrent.user",
                           "qbittorrent.pass", "qbittorrent.port", "network.ks_default", "network.dns_default",
                           "network.threshold_default", "monitor.interval", "monitor.failures",
                           "monitor.latency_threshold"}) {
        std::string_view s(id);
        auto dot = s.find('.');
        INFO(id);
        CHECK(find_key_spec(s.substr(0, dot), s.substr(dot + 1)) != nullptr);
    }
    CHECK(find_key_spec("protonvpn", "tier") == nullptr);
    std::vector<std::string> secrets;
    for (auto const& spec : config_schema()) {
        INFO(spec.section << "." << spec.key);
        CHECK(!spec.description.empty());
        CHECK(check_value(spec, spec.default_value).value() == spec.default_value);
        CHECK(std::find(known.begin(), known.end(), spec.section) != known.end());
        if (spec.secret) secrets.push_back(std::string(spec.section) + "." + std::string(spec.key));
    }
    CHECK(secrets == std::vector<std::string>{"protonvpn.pass", "protonvpn.2fa", "qbittorrent.pass"});
}

TEST_CASE("check_value applies each type's rule and canonicalises", "[config]") {
    auto spec = [](char const* s, char const* k) { return *find_key_spec(s, k); };
    CHECK(check_value(spec("network", "ks_default"), "Yes").value() == "true");
    CHECK(check_value(spec("network", "ks_default"), "maybe").error().message == "must be true or false");
    CHECK(check_value(spec("network", "threshold_default"), "007").value() == "7");
    CHECK(check_value(spec("network", "threshold_default"), "300").error().message == "must be 1..100");
    CHECK(check_value(spec("network", "threshold_default"), "-1").error().code == Errc::invalid_params);
    CHECK(check_value(spec("qbittorrent", "port"), "65536").error().message == "must be a port number 1..65535");
    CHECK(check_value(spec("qbittorrent", "url"), "ftp://x").error().message ==
          "must be an http:// or https:// URL with a host");
    CHECK(check_value(spec("protonvpn", "session_dir"), "relative/dir").error().message ==
          "must be an absolute path");
    CHECK(check_value(spec("network", "fastest_default"), "api").value() == "api");
    CHECK(check_value(spec("network", "fastest_default"), "fast").error().message == "must be ping or api");
    CHECK(check_value(spec("protonvpn", "pass"), "a\tb").error().message == "must not contain control characters");
    CHECK(check_value(spec("protonvpn", "pass"), "p#ss;w rd").value() == "p#ss;w rd");
    CHECK(check_value(spec("monitor", "interval"), "").value().empty());
    CHECK(type_label(spec("network", "threshold_default")) == "integer 1..100");
}

TEST_CASE("an empty document gives the defaults, equal to Config{}", "[config]") {
    auto c = build_config({}, "/x/config.ini", "/x").value();
    Config d;
    CHECK(c.protonvpn.user.empty());
    CHECK(c.protonvpn.pass.empty());
    CHECK(c.protonvpn.twofa.empty());
    CHECK(c.protonvpn.wireguard_port == 51820);
    CHECK(c.protonvpn.session_dir == "/x");
    CHECK(c.protonvpn.api_url == "https://vpn-api.proton.me");
    CHECK(c.protonvpn.api_url == d.protonvpn.api_url);
    CHECK(c.protonvpn.api_ca_file.empty());
    CHECK(c.protonvpn.srp_modulus_key.empty());
    CHECK(c.protonvpn.natpmp_renew == d.protonvpn.natpmp_renew);
    CHECK(c.protonvpn.natpmp_renew == std::chrono::seconds(45));
    CHECK(c.protonvpn.agent_ca_file.empty());
    CHECK_FALSE(c.protonvpn.netshield);  // unset: the server's own choice
    CHECK_FALSE(c.protonvpn.moderate_nat);
    CHECK_FALSE(c.protonvpn.vpn_accelerator);
    CHECK(c.qbittorrent.enable == d.qbittorrent.enable);
    CHECK(c.qbittorrent.enable);
    CHECK(c.qbittorrent.url == d.qbittorrent.url);
    CHECK(c.qbittorrent.port == d.qbittorrent.port);
    CHECK(c.qbittorrent.port == 6881);
    CHECK(c.qbittorrent.bind_interface == d.qbittorrent.bind_interface);
    CHECK(c.network.ks_default == d.network.ks_default);
    CHECK(c.network.dns_default == d.network.dns_default);
    CHECK(c.network.threshold_default == d.network.threshold_default);
    CHECK(c.network.threshold_default == 60);
    CHECK(c.network.allow_lan == d.network.allow_lan);
    CHECK(c.network.fastest_default == d.network.fastest_default);
    CHECK(c.monitor.interval == d.monitor.interval);
    CHECK(c.monitor.interval == std::chrono::seconds(60));
    CHECK(c.monitor.failures == d.monitor.failures);
    CHECK(c.monitor.latency_threshold == d.monitor.latency_threshold);
    CHECK(c.monitor.backoff_max == d.monitor.backoff_max);
    CHECK(c.service.autoconnect == d.service.autoconnect);
    CHECK(c.service.resume == d.service.resume);
    CHECK_FALSE(c.service.autoconnect);
}

TEST_CASE("the local agent's features are read only when set", "[config]") {
    auto doc = ini::parse("[protonvpn]\nagent_ca_file = /etc/pvpn/proton-root.pem\nnetshield = 2\nmoderate_nat = yes\n"
                          "vpn_accelerator = false\n",
                          "config.ini", config_comment_rule())
                   .value();
    auto c = build_config(doc, "/x/config.ini", "/x").value();
    CHECK(c.protonvpn.agent_ca_file == "/etc/pvpn/proton-root.pem");
    CHECK(c.protonvpn.netshield == 2);
    CHECK(c.protonvpn.moderate_nat == true);
    CHECK(c.protonvpn.vpn_accelerator == false);
    auto bad = ini::parse("[protonvpn]\nnetshield = 3\n", "config.ini", config_comment_rule()).value();
    auto r = build_config(bad, "/x/config.ini", "/x");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("netshield = 3: must be 0..2"));
}

TEST_CASE("the spec's example file loads, trailing comments on numbers included", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    auto const& c = store.typed();
    CHECK(c.protonvpn.user == "your_username");
    CHECK(c.protonvpn.pass == "s3cret#pass;word");
    CHECK(c.protonvpn.twofa == "123456");
    CHECK(c.protonvpn.session_dir == "/home/pi/.pvpn-cli/pvpn");
    CHECK(c.qbittorrent.user == "pipi");
    CHECK(c.qbittorrent.pass == "qb_pass_value");
    CHECK(c.monitor.interval == std::chrono::seconds(60));
    CHECK(c.monitor.failures == 3);
    CHECK(c.monitor.latency_threshold == std::chrono::milliseconds(500));
    CHECK(store.path() == fx.dir / "config.ini");
    CHECK(store.wireguard_dir() == fx.dir / "wireguard");
    CHECK(store.log_path() == fx.dir / "pvpn.log");
}

TEST_CASE("unknown keys and sections are warnings, not errors", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    auto f = fx.file().string();
    CHECK(store.warnings() ==
          std::vector<std::string>{f + ":16: unknown key 'legacy_option' in [qbittorrent] (kept, not used)",
                                   f + ":28: unknown section [my-notes] (kept, not used)"});
}

TEST_CASE("a missing file means defaults; a missing dir too", "[config]") {
    TempDir tmp;
    ConfigStore store(tmp / "not" / "there");
    REQUIRE(store.load());
    CHECK(store.typed().network.threshold_default == 60);
    CHECK(store.typed().protonvpn.session_dir == tmp / "not" / "there");
    CHECK(store.warnings().empty());
}

TEST_CASE("an invalid value names file, line and key", "[config]") {
    std::string text = realistic;
    text.replace(text.find("threshold_default = 60"), 22, "threshold_default = 300");
    Fixture fx(text);
    ConfigStore store(fx.dir);
    auto r = store.load();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::config_invalid);
    CHECK(r.error().message == fx.file().string() + ":21: [network] threshold_default = 300: must be 1..100");
    // The previous (default) settings stay, and config.get shows the error.
    CHECK(store.typed().network.threshold_default == 60);
    CHECK(store.masked_json().at("error").as_string() == r.error().message);
}

TEST_CASE("an invalid secret is reported without its value", "[config]") {
    Fixture fx("[protonvpn]\npass = hunter\x01two\n");
    ConfigStore store(fx.dir);
    auto r = store.load();
    REQUIRE_FALSE(r);
    CHECK(r.error().message == fx.file().string() + ":2: [protonvpn] pass: must not contain control characters");
}

TEST_CASE("a file that does not parse names file and line", "[config]") {
    Fixture fx("[protonvpn]\nuser = a\nthis is not ini\n");
    ConfigStore store(fx.dir);
    auto r = store.load();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::config_invalid);
    CHECK(r.error().message == fx.file().string() + ":3: expected 'key = value'");
}

TEST_CASE("masked_json never shows a secret and marks defaults", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    auto j = store.masked_json();
    auto text = json::serialize(j);
    for (auto const* secret : {"s3cret#pass;word", "s3cret", "123456", "qb_pass_value"}) {
        INFO(secret);
        CHECK(text.find(secret) == std::string::npos);
    }
    CHECK(text.find("keep me") == std::string::npos);
    CHECK(text.find("at all") == std::string::npos);
    CHECK(j.at("path").as_string() == fx.file().string());
    auto const& s = j.at("sections").as_object();
    CHECK(s.at("protonvpn").at("pass").as_string() == masked_secret);
    CHECK(s.at("protonvpn").at("2fa").as_string() == masked_secret);
    CHECK(s.at("protonvpn").at("user").as_string() == "your_username");
    CHECK(s.at("qbittorrent").at("pass").as_string() == masked_secret);
    CHECK(s.at("network").at("allow_lan").as_string() == "true");
    CHECK(s.at("monitor").at("interval").as_string() == "60");
    CHECK(s.at("service").at("autoconnect").as_string() == "false");
    auto const& d = j.at("defaults").as_object();
    CHECK(d.at("network") == json::array{"allow_lan", "fastest_default"});
    CHECK(d.at("service") == json::array{"autoconnect", "resume"});
    CHECK(d.at("monitor") == json::array{"backoff_max"});
    CHECK(d.at("protonvpn") == json::array{"api_url", "api_ca_file", "srp_modulus_key", "natpmp_renew",
                                           "agent_ca_file", "netshield", "moderate_nat", "vpn_accelerator"});
    CHECK(j.at("warnings").as_array().size() == 2);
    CHECK_FALSE(j.contains("error"));

    TempDir tmp;
    ConfigStore empty(tmp.path());
    REQUIRE(empty.load());
    auto e = empty.masked_json();
    CHECK(e.at("sections").at("protonvpn").at("pass").as_string() == "");
    CHECK(e.at("sections").at("protonvpn").at("session_dir").as_string() == tmp.path().string());
    auto protonvpn_keys = std::count_if(config_schema().begin(), config_schema().end(),
                                        [](KeySpec const& k) { return k.section == "protonvpn"; });
    CHECK(e.at("defaults").at("protonvpn").as_array().size() == static_cast<std::size_t>(protonvpn_keys));
}

TEST_CASE("loaded secrets are masked in the log", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    auto log_file = fx.tmp / "test.log";
    log::init({log_file, false, false, false});
    log::info("test", "pass=s3cret#pass;word qb=qb_pass_value code=123456");
    log::init({});
    auto logged = test::read_text(log_file);
    CHECK(logged.find("s3cret") == std::string::npos);
    CHECK(logged.find("qb_pass_value") == std::string::npos);
    CHECK(logged.find("123456") == std::string::npos);
    CHECK(logged.find("***") != std::string::npos);
}

TEST_CASE("each init scope touches only its own section", "[config]") {
    auto scope = GENERATE(as<std::string>{}, "protonvpn", "qbittorrent", "network");
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    json::object update;
    if (scope == "protonvpn")
        update = obj(R"({"protonvpn": {"user": "bob", "pass": "n3w#pass", "2fa": "", "wireguard_port": 443,
                                        "session_dir": "/var/lib/pvpn"}})");
    else if (scope == "qbittorrent")
        update = obj(R"({"qbittorrent": {"enable": false, "url": "http://[::1]:8081", "user": "admin",
                                          "pass": "qb#2", "bind_interface": "yes"}})");
    else
        update = obj(R"({"network": {"ks_default": true, "dns_default": "false", "threshold_default": 40,
                                      "fastest_default": "api"}})");
    auto changed = store.apply(update);
    REQUIRE(changed);
    INFO(scope);
    auto before = chunks(realistic);
    auto after = chunks(fx.contents());
    REQUIRE(before.size() == after.size());
    for (auto const& [name, text] : before) {
        INFO("section " << name);
        if (name == scope)
            CHECK(after[name] != text);
        else
            CHECK(after[name] == text);
    }
    CHECK(mode_of(fx.file()) == 0600);
    // What was written reads back as what was asked.
    ConfigStore reread(fx.dir);
    REQUIRE(reread.load());
    auto const& c = reread.typed();
    if (scope == "protonvpn") {
        CHECK(c.protonvpn.user == "bob");
        CHECK(c.protonvpn.pass == "n3w#pass");
        CHECK(c.protonvpn.twofa.empty());
        CHECK(c.protonvpn.wireguard_port == 443);
        CHECK(*changed == std::vector<std::string>{"protonvpn.user", "protonvpn.pass", "protonvpn.2fa",
                                                   "protonvpn.wireguard_port", "protonvpn.session_dir"});
    } else if (scope == "qbittorrent") {
        CHECK_FALSE(c.qbittorrent.enable);
        CHECK(c.qbittorrent.url == "http://[::1]:8081");
        CHECK(c.qbittorrent.pass == "qb#2");
        CHECK(c.qbittorrent.bind_interface);
        CHECK(fx.contents().find("bind_interface = true\n") != std::string::npos);
        CHECK(fx.contents().find("port = 6881\nbind_interface = true\nlegacy_option") == std::string::npos);
    } else {
        CHECK(c.network.ks_default);
        CHECK_FALSE(c.network.dns_default);
        CHECK(c.network.threshold_default == 40);
        CHECK(c.network.fastest_default == Fastest::api);
        CHECK(*changed == std::vector<std::string>{"network.ks_default", "network.dns_default",
                                                   "network.threshold_default", "network.fastest_default"});
    }
}

TEST_CASE("apply edits values in place and keeps comments", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.apply(obj(R"({"monitor": {"interval": 30}, "qbittorrent": {"port": "7000"}})")));
    std::string expected = realistic;
    expected.replace(expected.find("interval = 60 "), 14, "interval = 30 ");
    expected.replace(expected.find("port = 6881"), 11, "port = 7000");
    CHECK(fx.contents() == expected);
    CHECK(store.typed().monitor.interval == std::chrono::seconds(30));
}

TEST_CASE("apply to a new config dir writes the sections in order, mode 0600 in a 0700 dir", "[config]") {
    TempDir tmp;
    auto dir = tmp / "home" / ".pvpn-cli" / "pvpn";
    ConfigStore store(dir);
    REQUIRE(store.load());
    auto r = store.apply(obj(R"({"network": {"ks_default": "on"},
                                 "protonvpn": {"user": "u", "pass": "p#1 ;x"},
                                 "qbittorrent": {"url": "http://127.0.0.1:8080"}})"));
    REQUIRE(r);
    CHECK(*r == std::vector<std::string>{"protonvpn.user", "protonvpn.pass", "network.ks_default"});
    CHECK(test::read_text(dir / "config.ini") == "[protonvpn]\nuser = u\npass = p#1 ;x\n\n"
                                                 "[qbittorrent]\nurl = http://127.0.0.1:8080\n\n"
                                                 "[network]\nks_default = true\n");
    CHECK(mode_of(dir / "config.ini") == 0600);
    CHECK(mode_of(dir) == 0700);
    CHECK(store.typed().protonvpn.pass == "p#1 ;x");
}

TEST_CASE("apply validates the whole update before writing anything", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    auto refused = [&](std::string_view update) {
        auto r = store.apply(obj(update));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::invalid_params);
        CHECK(fx.contents() == realistic);
        return r.error().message;
    };
    CHECK(refused(R"({"network": {"ks_default": true}, "vpn": {"x": "1"}})") == "unknown config section [vpn]");
    CHECK(refused(R"({"network": {"tier": "2"}})") == "unknown config key 'tier' in [network]");
    CHECK(refused(R"({"protonvpn": {"user": "ok"}, "network": {"threshold_default": 300}})") ==
          "[network] threshold_default = 300: must be 1..100");
    CHECK(refused(R"({"network": {"threshold_default": true}})") ==
          "[network] threshold_default: expected integer 1..100, got a boolean");
    CHECK(refused(R"({"protonvpn": {"user": 5}})") == "[protonvpn] user: expected text, got a number");
    CHECK(refused(R"({"network": "x"})") == "config section [network] must be an object");
    CHECK(refused(R"({"qbittorrent": {"url": "localhost:8080"}})") ==
          "[qbittorrent] url = localhost:8080: must be an http:// or https:// URL with a host");
    auto secret = refused(R"({"protonvpn": {"pass": " leading blank"}})");
    CHECK(secret == "[protonvpn] pass: must not start or end with a blank");
    CHECK(refused(R"({"protonvpn": {"pass": "two\nlines"}})") ==
          "[protonvpn] pass: must not contain control characters");
}

TEST_CASE("a broken file is never overwritten", "[config]") {
    std::string broken = std::string(realistic) + "[network]\nks_default = true\n";
    Fixture fx(broken);
    ConfigStore store(fx.dir);
    auto r = store.apply(obj(R"({"protonvpn": {"user": "x"}})"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::config_invalid);
    CHECK(r.error().message == fx.file().string() + ":30: section [network] appears twice (first on line 18)");
    CHECK(fx.contents() == broken);
    CHECK_FALSE(store.clear_key("protonvpn", "2fa"));
    CHECK(fx.contents() == broken);
}

TEST_CASE("an invalid value elsewhere blocks apply until an update replaces it", "[config]") {
    std::string text = realistic;
    text.replace(text.find("interval = 60"), 13, "interval = 0 ");
    Fixture fx(text);
    ConfigStore store(fx.dir);
    auto r = store.apply(obj(R"({"protonvpn": {"user": "x"}})"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::config_invalid);
    CHECK(r.error().message == fx.file().string() + ":24: [monitor] interval = 0: must be 1..86400");
    CHECK(fx.contents() == text);
    REQUIRE(store.apply(obj(R"({"monitor": {"interval": "45"}})")));
    CHECK(store.typed().monitor.interval == std::chrono::seconds(45));
    CHECK(fx.contents().find("interval = 45  ") != std::string::npos);
}

TEST_CASE("apply keeps a masked secret and resets a key with null", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    auto r = store.apply(obj(R"({"protonvpn": {"pass": "********", "user": "your_username"},
                                 "network": {"threshold_default": null}})"));
    REQUIRE(r);
    CHECK(*r == std::vector<std::string>{});
    CHECK(store.typed().protonvpn.pass == "s3cret#pass;word");
    CHECK(fx.contents().find("threshold_default =\n") != std::string::npos);
    CHECK(store.masked_json().at("defaults").at("network") ==
          json::array{"threshold_default", "allow_lan", "fastest_default"});

    REQUIRE(store.apply(obj(R"({"network": {"threshold_default": 70}})")).value() ==
            std::vector<std::string>{"network.threshold_default"});
    CHECK(store.apply(obj(R"({"network": {"threshold_default": "70"}})")).value().empty());
}

TEST_CASE("clear_key empties the one-time 2FA code and nothing else", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    REQUIRE(store.typed().protonvpn.twofa == "123456");
    REQUIRE(store.clear_key("protonvpn", "2fa"));
    std::string expected = realistic;
    expected.replace(expected.find("2fa = 123456"), 12, "2fa =");
    CHECK(fx.contents() == expected);
    CHECK(store.typed().protonvpn.twofa.empty());
    CHECK(mode_of(fx.file()) == 0600);
    REQUIRE(store.clear_key("protonvpn", "2fa"));
    CHECK(fx.contents() == expected);
    CHECK(store.clear_key("protonvpn", "nope").error().code == Errc::invalid_params);
}

TEST_CASE("clear_key works while another value is invalid", "[config]") {
    Fixture fx(realistic);
    ConfigStore store(fx.dir);
    REQUIRE(store.load());
    std::string text = fx.contents();
    text.replace(text.find("failures = 3"), 12, "failures = x");
    test::write_text(fx.file(), text);
    REQUIRE(store.clear_key("protonvpn", "2fa"));
    CHECK(store.typed().protonvpn.twofa.empty());
    CHECK(store.typed().protonvpn.pass == "s3cret#pass;word");
    CHECK(fx.contents().find("2fa =\n") != std::string::npos);
    CHECK(fx.contents().find("failures = x") != std::string::npos);
}

TEST_CASE("the default config dir is under HOME", "[config]") {
    char const* home = std::getenv("HOME");
    if (home && *home) CHECK(default_config_dir() == fs::path(home) / ".pvpn-cli" / "pvpn");
    CHECK(default_config_dir().filename() == "pvpn");
}

TEST_CASE("pvpn.conf(5) and docs/config.md describe every key of the schema", "[config]") {
    auto read = [](char const* rel) {
        std::ifstream in(std::string(PVPN_SOURCE_DIR) + "/" + rel);
        REQUIRE(in);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
    auto const man = read("docs/man/pvpn.conf.5");
    auto const md = read("docs/config.md");
    for (auto const& k : config_schema()) {
        INFO(std::string(k.section) + "." + std::string(k.key));
        CHECK(man.find("\n.B " + std::string(k.key) + "\n") != std::string::npos);
        CHECK(md.find("`" + std::string(k.key) + "`") != std::string::npos);
    }
}
