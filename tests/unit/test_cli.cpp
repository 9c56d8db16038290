// Argument parsing of `pvpn`: every command, alias and flag, with valid and
// invalid values; flags on the wrong command; init scopes; global options.
#include "client/cli.hpp"
#include "client/init.hpp"
#include "client/output.hpp"
#include "proto/methods.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pvpn;
using namespace pvpn::client;
namespace json = boost::json;

namespace {

boost::system::result<Command, UsageError> parse(std::initializer_list<char const*> words) {
    std::vector<std::string> args(words.begin(), words.end());
    return parse_command_line(args);
}

Command parse_ok(std::initializer_list<char const*> words) {
    auto r = parse(words);
    if (!r) FAIL("unexpected usage error: " << r.error().message);
    return *r;
}

UsageError parse_err(std::initializer_list<char const*> words) {
    auto r = parse(words);
    if (r) FAIL("expected a usage error");
    return r.error();
}

boost::system::result<Command, UsageError> parse_vec(std::vector<std::string> const& args) {
    return parse_command_line(args);
}

FlagSpec const& flag(std::string_view name) {
    for (auto const& f : flags())
        if (f.name == name) return f;
    FAIL("no flag " << name);
    throw std::logic_error("unreachable");
}

struct Cmdword {
    Cmd cmd;
    char const* word;
};
constexpr Cmdword command_words[] = {
    {Cmd::init, "init"}, {Cmd::connect, "connect"}, {Cmd::disconnect, "disconnect"},
    {Cmd::status, "status"}, {Cmd::list, "list"},
};

// A valid value for each kind, and what it becomes on the wire.
std::pair<std::string, json::value> valid_sample(ValueKind kind) {
    switch (kind) {
    case ValueKind::none: return {"", true};
    case ValueKind::country: return {"ch", "CH"};
    case ValueKind::boolean: return {"false", false};
    case ValueKind::fastest: return {"api", "api"};
    case ValueKind::threshold: return {"60", 60};
    case ValueKind::latency: return {"100", 100};
    case ValueKind::port: return {"51820", 51820};
    case ValueKind::url: return {"http://127.0.0.1:8080", "http://127.0.0.1:8080"};
    case ValueKind::twofa: return {"123456", "123456"};
    case ValueKind::abs_path: return {"/var/lib/pvpn", "/var/lib/pvpn"};
    case ValueKind::name: return {"alice", "alice"};
    case ValueKind::text: return {"bob", "bob"};
    case ValueKind::secret: return {"hunter22", "hunter22"};
    case ValueKind::secret_empty: return {"s3cret", "s3cret"};
    case ValueKind::token: return {"abc-123", "abc-123"};
    }
    return {"", nullptr};
}

// Values each kind must refuse.
std::vector<std::string> invalid_samples(ValueKind kind) {
    switch (kind) {
    case ValueKind::country: return {"CHE", "C", "1a", "", "ü"};
    case ValueKind::boolean: return {"maybe", "", "2", "truee"};
    case ValueKind::fastest: return {"fast", "PING", ""};
    case ValueKind::threshold: return {"0", "101", "-1", "abc", "50%", "", "6 0"};
    case ValueKind::latency: return {"0", "10001", "x", ""};
    case ValueKind::port: return {"0", "65536", "http", "", "-22"};
    case ValueKind::url: return {"ftp://x", "127.0.0.1:8080", "http://", "http://h:0", "http://h:99999", ""};
    case ValueKind::twofa: return {"12345", "1234567", "abcdef", "12 456"};
    case ValueKind::abs_path: return {"relative/dir", "", "~/x", "/a\nb"};
    case ValueKind::name: return {"", "a\tb"};
    case ValueKind::text: return {"a\nb"};
    case ValueKind::secret: return {"", "p\x01w"};
    case ValueKind::secret_empty: return {"x\ny"};
    case ValueKind::token: return {"", "a b", "x\ty"};
    case ValueKind::none: return {};
    }
    return {};
}

// A scripted terminal: answers in order, records the questions.
class FakeTerminal : public Terminal {
public:
    explicit FakeTerminal(std::initializer_list<char const*> answers) : answers_(answers.begin(), answers.end()) {}
    std::optional<std::string> ask(std::string_view question, bool secret) override {
        questions.emplace_back(question);
        secrets.push_back(secret);
        if (answers_.empty()) return std::nullopt;
        auto a = answers_.front();
        answers_.pop_front();
        return a;
    }
    void say(std::string_view line) override { said.emplace_back(line); }

    std::vector<std::string> questions;
    std::vector<bool> secrets;
    std::vector<std::string> said;

private:
    std::deque<std::string> answers_;
};

} // namespace

TEST_CASE("every command and alias maps to its method", "[cli]") {
    struct Case {
        char const* word;
        char const* name;
        std::string_view method;
        Action action;
    };
    Case const cases[] = {
        {"init", "init", proto::method::config_set, Action::init},
        {"connect", "connect", proto::method::connect, Action::call},
        {"c", "connect", proto::method::connect, Action::call},
        {"disconnect", "disconnect", proto::method::disconnect, Action::call},
        {"d", "disconnect", proto::method::disconnect, Action::call},
        {"status", "status", proto::method::status, Action::call},
        {"s", "status", proto::method::status, Action::call},
        {"list", "list", proto::method::list, Action::call},
    };
    for (auto const& c : cases) {
        INFO(c.word);
        auto cmd = parse_ok({c.word});
        CHECK(cmd.name == c.name);
        CHECK(cmd.method == c.method);
        CHECK(cmd.action == c.action);
        if (c.action == Action::call) CHECK(cmd.params.empty());
    }
}

TEST_CASE("unknown or missing commands are usage errors", "[cli]") {
    auto e = parse_err({"conect"});
    CHECK_THAT(e.message, Catch::Contains("unknown command 'conect'"));
    CHECK(e.command.empty());
    CHECK_THAT(parse_err({}).message, Catch::Contains("missing command"));
    CHECK_THAT(parse_err({"--json"}).message, Catch::Contains("missing command"));
    // "l" and "i" are not aliases in the spec.
    CHECK_THAT(parse_err({"l"}).message, Catch::Contains("unknown command"));
}

TEST_CASE("every flag is accepted in long and short form on each command it applies to", "[cli]") {
    for (auto const& f : flags()) {
        if (f.key.empty()) continue;  // scopes and --watch are tested separately
        for (auto const& cw : command_words) {
            if (!(f.commands & static_cast<unsigned>(cw.cmd))) continue;
            auto [text, wire] = valid_sample(f.kind);
            std::vector<std::string> forms{"--" + std::string(f.name)};
            if (f.short_name) forms.push_back(std::string{'-', f.short_name});
            for (auto const& form : forms) {
                INFO(cw.word << " " << form << " " << text);
                std::vector<std::string> args{cw.word, form};
                if (f.kind != ValueKind::none) args.push_back(text);
                auto r = parse_vec(args);
                REQUIRE(r.has_value());
                if (cw.cmd == Cmd::init) {
                    auto const& section = r->init.sections.at(f.section).as_object();
                    CHECK(section.at(f.key) == wire);
                } else {
                    CHECK(r->params.size() == 1);
                    CHECK(r->params.at(f.key) == wire);
                }
            }
            if (f.kind != ValueKind::none) {
                // --flag=value works too.
                std::vector<std::string> args{cw.word, "--" + std::string(f.name) + "=" + text};
                auto r = parse_vec(args);
                CHECK(r.has_value());
            }
        }
    }
}

TEST_CASE("every invalid value is refused with a message naming the flag", "[cli]") {
    for (auto const& f : flags()) {
        if (f.kind == ValueKind::none) continue;
        for (auto const& cw : command_words) {
            if (!(f.commands & static_cast<unsigned>(cw.cmd))) continue;
            for (auto const& bad : invalid_samples(f.kind)) {
                std::vector<std::vector<std::string>> variants{{cw.word, "--" + std::string(f.name) + "=" + bad}};
                if (f.short_name) variants.push_back({cw.word, std::string{'-', f.short_name}, bad});
                for (auto const& args : variants) {
                    INFO(cw.word << " " << f.name << " '" << bad << "'");
                    auto r = parse_vec(args);
                    REQUIRE_FALSE(r.has_value());
                    CHECK_THAT(r.error().message, Catch::Contains("--" + std::string(f.name)));
                    CHECK(r.error().command == cw.word);
                    if (is_secret(f.kind) && !bad.empty()) CHECK_THAT(r.error().message, !Catch::Contains(bad));
                }
            }
        }
    }
}

TEST_CASE("specific validation rules", "[cli]") {
    CHECK(parse_ok({"connect", "--cc", "gb"}).params.at("cc") == "GB");
    CHECK(parse_ok({"connect", "-c", "Us"}).params.at("cc") == "US");
    CHECK(parse_ok({"connect", "-cUS"}).params.at("cc") == "US");
    CHECK(parse_ok({"list", "-t", "1"}).params.at("threshold") == 1);
    CHECK(parse_ok({"list", "-t", "100"}).params.at("threshold") == 100);
    CHECK(parse_ok({"connect", "-l", "10000"}).params.at("latency_cutoff") == 10000);
    CHECK(parse_ok({"connect", "-l", "1"}).params.at("latency_cutoff") == 1);
    CHECK(parse_ok({"connect", "--dns", "true"}).params.at("dns") == true);
    CHECK(parse_ok({"connect", "--ks", "false"}).params.at("ks") == false);
    CHECK(parse_ok({"disconnect", "--ks", "true"}).params.at("ks") == true);
    CHECK(parse_ok({"list", "-f", "ping"}).params.at("fastest") == "ping");
    CHECK(parse_ok({"connect", "--hv-token", "tok"}).params.at("hv_token") == "tok");
    CHECK(parse_ok({"init", "--proton-2fa", ""}).init.sections.at("protonvpn").at("2fa") == "");
    CHECK(parse_ok({"init", "--qb-user", ""}).init.sections.at("qbittorrent").at("user") == "");
    CHECK(parse_ok({"init", "--qb-url", "https://[::1]:8080/"}).init.sections.at("qbittorrent").at("url") ==
          "https://[::1]:8080/");
    CHECK_THAT(parse_err({"connect", "--threshold", "0"}).message,
               Catch::Contains("--threshold") && Catch::Contains("1 to 100"));
    CHECK_THAT(parse_err({"connect", "--cc", "USA"}).message, Catch::Contains("two-letter"));
    CHECK_THAT(parse_err({"connect", "--fastest", "slow"}).message, Catch::Contains("ping or api"));
    CHECK_THAT(parse_err({"init", "--session-dir", "rel"}).message, Catch::Contains("absolute path"));
    CHECK_THAT(parse_err({"init", "--proton-2fa", "12"}).message, Catch::Contains("6-digit"));
}

TEST_CASE("switches take no value and are sent as true", "[cli]") {
    auto cmd = parse_ok({"connect", "--sc", "--p2p", "--cc", "ch"});
    CHECK(cmd.params.at("sc") == true);
    CHECK(cmd.params.at("p2p") == true);
    CHECK(cmd.params.at("cc") == "CH");
    CHECK(parse_ok({"list", "--p2p"}).params == json::object{{"p2p", true}});
    CHECK_THAT(parse_err({"connect", "--sc=true"}).message, Catch::Contains("--sc"));
    CHECK_THAT(parse_err({"connect", "--sc", "true"}).message, Catch::Contains("unexpected argument 'true'"));
}

TEST_CASE("only the flags given are sent", "[cli]") {
    auto cmd = parse_ok({"c", "-c", "au", "-f", "api", "-t", "50", "-l", "80", "--dns", "true", "--ks", "true"});
    CHECK(cmd.params == json::object{{"cc", "AU"}, {"fastest", "api"}, {"threshold", 50}, {"latency_cutoff", 80},
                                     {"dns", true}, {"ks", true}});
    CHECK(parse_ok({"connect"}).params.empty());
    CHECK(parse_ok({"disconnect"}).params.empty());
}

TEST_CASE("a flag on a command it does not apply to is a usage error naming it", "[cli]") {
    for (auto const& f : flags()) {
        for (auto const& cw : command_words) {
            if (f.commands & static_cast<unsigned>(cw.cmd)) continue;
            std::vector<std::string> args{cw.word, "--" + std::string(f.name)};
            if (f.kind != ValueKind::none) args.push_back(valid_sample(f.kind).first);
            INFO(cw.word << " --" << f.name);
            auto r = parse_vec(args);
            REQUIRE_FALSE(r.has_value());
            CHECK_THAT(r.error().message, Catch::Contains("--" + std::string(f.name)) &&
                                              Catch::Contains("does not apply to '" + std::string(cw.word) + "'"));
            if (f.short_name) {
                std::vector<std::string> short_args{cw.word, std::string{'-', f.short_name}};
                if (f.kind != ValueKind::none) short_args.push_back(valid_sample(f.kind).first);
                auto rs = parse_vec(short_args);
                REQUIRE_FALSE(rs.has_value());
                CHECK_THAT(rs.error().message, Catch::Contains("--" + std::string(f.name)));
            }
        }
    }
    CHECK_THAT(parse_err({"status", "--dns", "true"}).message, Catch::Contains("it is for: connect"));
    CHECK_THAT(parse_err({"disconnect", "--cc", "CH"}).message, Catch::Contains("it is for: connect, list"));
}

TEST_CASE("unknown options, extra words and repeated flags are usage errors", "[cli]") {
    CHECK_THAT(parse_err({"connect", "--country", "CH"}).message, Catch::Contains("unknown option '--country'"));
    CHECK_THAT(parse_err({"connect", "--thresh", "5"}).message, Catch::Contains("unknown option"));  // no guessing
    CHECK_THAT(parse_err({"connect", "-x"}).message, Catch::Contains("unknown option"));
    CHECK_THAT(parse_err({"status", "now"}).message, Catch::Contains("unexpected argument 'now'"));
    CHECK_THAT(parse_err({"connect", "--cc"}).message, Catch::Contains("--cc"));
    CHECK_THAT(parse_err({"connect", "--cc", "CH", "-c", "US"}).message, Catch::Contains("--cc"));
    CHECK_THAT(parse_err({"--cc", "CH", "connect"}).message, Catch::Contains("goes after the command"));
    CHECK_THAT(parse_err({"--bogus", "status"}).message, Catch::Contains("unknown option '--bogus'"));
}

TEST_CASE("help is available at top level and for every command", "[cli]") {
    for (auto words : {std::vector<std::string>{"--help"}, {"-h"}}) {
        auto r = parse_vec(words);
        REQUIRE(r.has_value());
        CHECK(r->action == Action::help);
        CHECK_THAT(r->help, Catch::Contains("connect, c") && Catch::Contains("disconnect, d") &&
                                Catch::Contains("status, s"));
    }
    for (auto const& cw : command_words) {
        for (char const* h : {"-h", "--help"}) {
            auto r = parse_vec({cw.word, h});
            REQUIRE(r.has_value());
            CHECK(r->action == Action::help);
            CHECK_THAT(r->help, Catch::Contains(std::string("Usage: pvpn ") + cw.word));
            for (auto const& f : flags())
                if (f.commands & static_cast<unsigned>(cw.cmd))
                    CHECK_THAT(r->help, Catch::Contains("--" + std::string(f.name)));
        }
    }
    CHECK(parse_ok({"c", "--cc", "XYZ", "-h"}).action == Action::help);  // help wins over bad values
    CHECK_THAT(parse_ok({"--help", "c"}).help, Catch::Contains("Alias: pvpn c"));
    CHECK(parse_ok({"--version"}).action == Action::version);
}

TEST_CASE("global options work before and after the command", "[cli]") {
    auto a = parse_ok({"--json", "--verbose", "--socket", "/tmp/a.sock", "status"});
    CHECK(a.global.json);
    CHECK(a.global.verbose);
    CHECK(a.global.socket == "/tmp/a.sock");
    auto b = parse_ok({"status", "--json", "--socket=/tmp/b.sock", "--verbose"});
    CHECK(b.global.json);
    CHECK(b.global.verbose);
    CHECK(b.global.socket == "/tmp/b.sock");
    auto c = parse_ok({"list"});
    CHECK_FALSE(c.global.json);
    CHECK_FALSE(c.global.verbose);
    CHECK(c.global.socket.empty());
    CHECK_THAT(parse_err({"--socket"}).message, Catch::Contains("--socket"));
    CHECK_THAT(parse_err({"status", "--socket", ""}).message, Catch::Contains("--socket"));
    CHECK_THAT(parse_err({"--socket", std::string(200, 'x').c_str(), "status"}).message, Catch::Contains("too long"));
    // --json is remembered for usage errors, so they can be reported as JSON.
    CHECK(parse_err({"connect", "--json", "--cc", "x"}).json);
    CHECK_FALSE(parse_err({"connect", "--cc", "x"}).json);
}

TEST_CASE("the socket comes from --socket, then PVPN_SOCKET, then the default", "[cli]") {
    GlobalOptions g;
    CHECK(resolve_socket(g, nullptr) == "/run/pvpn.sock");
    CHECK(resolve_socket(g, "") == "/run/pvpn.sock");
    CHECK(resolve_socket(g, "/tmp/env.sock") == "/tmp/env.sock");
    g.socket = "/tmp/flag.sock";
    CHECK(resolve_socket(g, "/tmp/env.sock") == "/tmp/flag.sock");
    CHECK_FALSE(check_socket_path("/run/pvpn.sock"));
    CHECK(check_socket_path(""));
    CHECK(check_socket_path(std::string(108, 'a')));
}

TEST_CASE("status --watch subscribes with watch.v1", "[cli]") {
    auto cmd = parse_ok({"s", "--watch"});
    CHECK(cmd.action == Action::watch);
    CHECK(cmd.method == proto::method::watch);
    CHECK(cmd.params.empty());
    CHECK_THAT(parse_err({"list", "--watch"}).message, Catch::Contains("--watch"));
}

TEST_CASE("init scope selection", "[cli]") {
    auto all = parse_ok({"init"});
    CHECK(all.action == Action::init);
    CHECK(all.init.sections ==
          json::object{{"protonvpn", json::object{}}, {"qbittorrent", json::object{}}, {"network", json::object{}}});

    CHECK(parse_ok({"init", "--proton"}).init.sections == json::object{{"protonvpn", json::object{}}});
    CHECK(parse_ok({"init", "--qb"}).init.sections == json::object{{"qbittorrent", json::object{}}});
    CHECK(parse_ok({"init", "--network"}).init.sections == json::object{{"network", json::object{}}});
    CHECK(parse_ok({"init", "--network", "--proton"}).init.sections ==
          json::object{{"protonvpn", json::object{}}, {"network", json::object{}}});

    auto p = parse_ok({"init", "--proton", "--proton-user", "alice", "--proton-pass", "pw12345", "--wireguard-port",
                       "51821", "--session-dir", "/var/lib/pvpn"});
    CHECK(p.init.sections == json::object{{"protonvpn", json::object{{"user", "alice"},
                                                                      {"pass", "pw12345"},
                                                                      {"wireguard_port", 51821},
                                                                      {"session_dir", "/var/lib/pvpn"}}}});

    auto q = parse_ok({"init", "--qb", "--qb-enable", "true", "--qb-url", "http://127.0.0.1:8080", "--qb-user", "u",
                       "--qb-pass", "p", "--qb-bind-interface", "false"});
    CHECK(q.init.sections == json::object{{"qbittorrent", json::object{{"enable", true},
                                                                       {"url", "http://127.0.0.1:8080"},
                                                                       {"user", "u"},
                                                                       {"pass", "p"},
                                                                       {"bind_interface", false}}}});

    auto n = parse_ok({"init", "--network", "--ks-default", "true", "--dns-default", "false", "--threshold-default",
                       "70", "--allow-lan", "false"});
    CHECK(n.init.sections == json::object{{"network", json::object{{"ks_default", true},
                                                                   {"dns_default", false},
                                                                   {"threshold_default", 70},
                                                                   {"allow_lan", false}}}});

    // Without a scope flag every section is chosen, so any value flag fits.
    auto mixed = parse_ok({"init", "--proton-user", "a", "--qb-url", "http://h", "--allow-lan", "true"});
    CHECK(mixed.init.sections.at("protonvpn") == json::object{{"user", "a"}});
    CHECK(mixed.init.sections.at("qbittorrent") == json::object{{"url", "http://h"}});
    CHECK(mixed.init.sections.at("network") == json::object{{"allow_lan", true}});

    // A value flag outside the chosen scopes is refused, naming flag and scope.
    auto e = parse_err({"init", "--proton", "--qb-url", "http://h"});
    CHECK_THAT(e.message, Catch::Contains("--qb-url") && Catch::Contains("--qb"));
    CHECK_THAT(parse_err({"init", "--qb", "--ks-default", "true"}).message, Catch::Contains("--network"));
    CHECK_THAT(parse_err({"init", "--network", "--proton-user", "x"}).message, Catch::Contains("--proton"));
    CHECK_THAT(parse_err({"init", "--proton", "--cc", "CH"}).message, Catch::Contains("does not apply to 'init'"));
}

TEST_CASE("init --qb-conf names the qBittorrent.conf to set the WebUI up in", "[cli]") {
    auto q = parse_ok({"init", "--qb", "--qb-conf", "/home/pi/.config/qBittorrent/qBittorrent.conf"});
    CHECK(q.init.qb_conf == "/home/pi/.config/qBittorrent/qBittorrent.conf");
    CHECK(q.init.sections == json::object{{"qbittorrent", json::object{}}});  // not a config key
    CHECK(parse_ok({"init", "--qb"}).init.qb_conf.empty());
    CHECK(parse_ok({"init", "--qb-conf", "/q/qBittorrent.conf"}).init.qb_conf == "/q/qBittorrent.conf");
    CHECK_THAT(parse_err({"init", "--proton", "--qb-conf", "/q/qBittorrent.conf"}).message,
               Catch::Contains("--qb-conf") && Catch::Contains("--qb"));
    CHECK_THAT(parse_err({"init", "--qb", "--qb-conf", "relative"}).message, Catch::Contains("--qb-conf"));
}

TEST_CASE("init prompts for every key of the chosen scopes not given by a flag", "[cli]") {
    json::value current = json::parse(R"({"path": "/cfg/config.ini",
        "sections": {"protonvpn": {"user": "alice", "pass": "********", "2fa": "", "wireguard_port": "51820",
                                   "session_dir": ""},
                     "network": {"ks_default": "false", "dns_default": "true", "threshold_default": "60",
                                 "allow_lan": "true"}}})");
    auto plan = parse_ok({"init", "--proton", "--proton-user", "bob"}).init;
    // pass: Enter keeps; 2fa: bad then good; port: keep; session_dir: relative then absolute.
    FakeTerminal t{"", "12", "654321", "", "rel", "/srv/pvpn"};
    auto out = collect_init_values(plan, current, &t);
    REQUIRE(out);
    CHECK(*out == json::object{{"protonvpn", json::object{{"user", "bob"}, {"2fa", "654321"}, {"session_dir", "/srv/pvpn"}}}});
    REQUIRE(t.questions.size() == 6);
    CHECK(t.questions[0] == "Proton password [(set)]: ");
    CHECK(t.secrets[0]);
    CHECK_THAT(t.questions[1], Catch::Contains("2FA") && !Catch::Contains("["));
    CHECK(t.secrets[1]);
    CHECK(t.questions[3] == "WireGuard port (1..65535) [51820]: ");
    CHECK_FALSE(t.secrets[3]);
    for (auto const& q : t.questions) CHECK_THAT(q, !Catch::Contains("********"));
    // Rejected answers are explained (the 2FA value itself is not shown).
    REQUIRE(t.said.size() >= 3);
    CHECK_THAT(t.said[1], Catch::Contains("6-digit") && !Catch::Contains("'12'"));
    CHECK_THAT(t.said[2], Catch::Contains("absolute path"));
}

TEST_CASE("init asks the sections in order and stops at end of input", "[cli]") {
    auto plan = parse_ok({"init"}).init;
    FakeTerminal all_enter{"", "", "", "", "", "", "", "", "", "", "", "", "", ""};
    auto out = collect_init_values(plan, json::object{}, &all_enter);
    REQUIRE(out);
    CHECK(*out ==
          json::object{{"protonvpn", json::object{}}, {"qbittorrent", json::object{}}, {"network", json::object{}}});
    CHECK(all_enter.questions.size() == 14);  // 5 + 5 + 4 keys
    CHECK_THAT(all_enter.questions[0], Catch::StartsWith("Proton user name"));
    CHECK_THAT(all_enter.questions[5], Catch::StartsWith("Use the qBittorrent WebUI"));
    CHECK_THAT(all_enter.questions[10], Catch::StartsWith("Kill-switch by default"));

    FakeTerminal eof{"carol"};
    CHECK_FALSE(collect_init_values(plan, json::object{}, &eof));

    // Without a terminal only flag values are sent.
    auto flags_only = collect_init_values(parse_ok({"init", "--qb", "--qb-enable", "no"}).init, json::object{}, nullptr);
    REQUIRE(flags_only);
    CHECK(*flags_only == json::object{{"qbittorrent", json::object{{"enable", false}}}});
}

TEST_CASE("init questions show defaults but never secrets", "[cli]") {
    CHECK(init_question(flag("proton-user"), "alice") == "Proton user name [alice]: ");
    CHECK(init_question(flag("proton-user"), "") == "Proton user name: ");
    CHECK(init_question(flag("proton-pass"), "********") == "Proton password [(set)]: ");
    CHECK(init_question(flag("proton-pass"), "") == "Proton password: ");
    CHECK(init_question(flag("qb-pass"), "********") == "qBittorrent password [(set)]: ");
    CHECK(init_question(flag("ks-default"), "false") == "Kill-switch by default (true/false) [false]: ");
    CHECK(init_question(flag("threshold-default"), "60") == "Maximum server load % (1..100) [60]: ");
}

TEST_CASE("--json errors and exit statuses", "[cli]") {
    CallError denied{CallError::Kind::rpc, Error{Errc::permission_denied, "permission denied"}, json::object{}};
    CHECK(exit_status(denied) == 4);
    CHECK_THAT(error_hints(denied), Catch::Contains("sudo usermod -aG pvpn $USER"));
    auto j = error_json(denied);
    CHECK(j.at("error").at("code") == -32001);
    CHECK(j.at("error").at("name") == "permission_denied");
    CHECK(j.at("error").at("message") == "permission denied");

    CallError down{CallError::Kind::unreachable, Error{Errc::internal, "pvpnd is not running"}, nullptr};
    CHECK(exit_status(down) == 3);
    CHECK(error_json(down).at("error").at("name") == "daemon_unreachable");
    CHECK(error_json(down).at("error").at("code").is_null());

    CallError hv{CallError::Kind::rpc, Error{Errc::human_verification, "human verification required"},
                 json::object{{"url", "https://verify.proton.me/?t=1"}, {"token", "tok"}}};
    CHECK(exit_status(hv) == 8);
    CHECK_THAT(error_hints(hv), Catch::Contains("https://verify.proton.me/?t=1") && Catch::Contains("--hv-token"));
    CHECK(error_json(hv).at("error").at("data").at("url") == "https://verify.proton.me/?t=1");

    CHECK(exit_status({CallError::Kind::rpc, Error{Errc::no_server, "x"}, nullptr}) == 12);
    CHECK(exit_status({CallError::Kind::rpc, Error{Errc::invalid_params, "x"}, nullptr}) == 2);
    CHECK(exit_status({CallError::Kind::transport, Error{Errc::internal, "x"}, nullptr}) == 1);
    CHECK(usage_json(UsageError{"bad", "connect", true}).at("error").at("name") == "usage");
}
