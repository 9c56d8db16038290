// pvpn's Proton client against the lab's Proton API stand-in
// (tests/lab/api/server.py) on loopback: SRP login with the lab's modulus key,
// refresh after forced expiry, a refused refresh, 2FA right and wrong, human
// verification, rate limits, an outdated app version, the 15,000-server list,
// a certificate for an Ed25519 key, and TLS refusals. Skipped (with a warning)
// when the stand-in or its Python modules are missing.
#include "catch_api_result.hpp"
#include "daemon/net/https_client.hpp"
#include "daemon/proton/keys.hpp"
#include "daemon/proton/proton_http_api.hpp"
#include "daemon/proton/server_directory.hpp"
#include "daemon/proton/session.hpp"
#include "run_awaitable.hpp"
#include "run_coro.hpp"
#include "temp_dir.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <openssl/hmac.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

extern char** environ;

using namespace pvpn;
using namespace pvpn::proton;
namespace asio = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr char const* python = "/usr/bin/python3";
std::string const lab_api_dir = std::string(PVPN_SOURCE_DIR) + "/tests/lab/api";
constexpr char const* totp_secret = "JBSWY3DPEHPK3PXP";

/// Starts `argv` with stdout and stderr appended to `log`; returns the pid (or -1).
pid_t spawn(std::vector<std::string> const& argv, fs::path const& log, std::vector<std::string> extra_env = {}) {
    std::vector<char*> args;
    for (auto const& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_store = std::move(extra_env);
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    std::vector<char*> env;
    for (auto& e : env_store) env.push_back(e.data());
    env.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    if (posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

int run(std::vector<std::string> const& argv, fs::path const& log) {
    pid_t pid = spawn(argv, log);
    if (pid < 0) return -1;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Stops the stand-in (our own child, by pid) when the test ends.
struct Child {
    pid_t pid = -1;
    ~Child() {
        if (pid <= 0) return;
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
};

unsigned short free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

bool port_open(unsigned short port) {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    return !ec;
}

/// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) of a base32 secret, as an authenticator app computes it.
std::string totp(std::string_view secret_b32) {
    std::vector<unsigned char> key;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : secret_b32) {
        int v = (c >= 'A' && c <= 'Z') ? c - 'A' : (c >= '2' && c <= '7') ? c - '2' + 26 : -1;
        if (v < 0) continue;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            key.push_back(static_cast<unsigned char>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    auto counter = static_cast<std::uint64_t>(std::time(nullptr) / 30);
    unsigned char msg[8];
    for (int i = 7; i >= 0; --i) {
        msg[i] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    unsigned char mac[20];
    unsigned int len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &len);
    int offset = mac[19] & 0x0f;
    std::uint32_t code = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                         (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                         (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
    std::string out = std::to_string(code % 1000000);
    return std::string(6 - out.size(), '0') + out;
}

json::object lab_json(fs::path const& state, unsigned short port) {
    auto server = [](int i, char const* name, char const* entry, char const* exit, int features) {
        std::string const cc = entry;
        return json::object{{"slug", "s" + std::to_string(i)},
                            {"name", name},
                            {"entry_country", entry},
                            {"exit_country", exit},
                            {"city", "Labcity"},
                            {"features", features},
                            {"tier", 2},
                            {"wg_if", "pvlunit" + std::to_string(i)},
                            {"entry_ip", "203.0.113." + std::to_string(10 + i)},
                            {"wg_port", 51820},
                            {"wg_pubkey", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
                            {"domain", "node-" + std::to_string(i) + ".lab.test"},
                            {"exit_ip", "198.51.100." + std::to_string(110 + i)},
                            {"load", 20 + i},
                            {"score", 1.0 + i / 10.0}};
    };
    return json::object{
        {"state_dir", state.string()},
        {"api",
         json::object{{"url", "https://127.0.0.1:" + std::to_string(port)},
                      {"host", "vpn-api.lab.test"},
                      {"ip", "127.0.0.1"},
                      {"ca_file", (state / "pki" / "api-ca.pem").string()},
                      {"modulus_key_file", (state / "pki" / "srp-modulus-key.asc").string()},
                      {"user", "labuser"},
                      {"password", "labpass"},
                      {"totp_secret", totp_secret}}},
        {"servers", json::array{server(1, "CH#1", "CH", "CH", 4), server(2, "NL#2", "NL", "NL", 4),
                                server(3, "CH-SE#1", "CH", "SE", 1)}}};
}

/// One lab: the stand-in's state dir, the process, and a client configured for it.
struct Lab {
    test::TempDir dir;
    fs::path state = dir / "lab";
    unsigned short port = free_port();
    std::string url = "https://127.0.0.1:" + std::to_string(port);
    Child server;
    asio::io_context io;
    std::unique_ptr<net::HttpsClient> http;
    std::unique_ptr<ProtonHttpApi> api;
    std::string modulus_key;

    bool start() {
        fs::create_directories(state);
        test::write_text(state / "lab.json", json::serialize(lab_json(state, port)));
        if (run({python, lab_api_dir + "/pki.py", "generate", "--state", state.string()}, dir / "pki.log") != 0)
            return false;
        server.pid = spawn({python, lab_api_dir + "/server.py", "--state", state.string(), "--listen",
                            "127.0.0.1:" + std::to_string(port)},
                           dir / "api.log", {"PVPN_LAB_WG=/bin/true"});
        if (server.pid <= 0) return false;
        for (int i = 0; i < 300 && !port_open(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (!port_open(port)) return false;
        net::HttpsOptions options;
        options.ca_file = state / "pki" / "api-ca.pem";
        auto client = net::HttpsClient::create(io, url, options);
        if (!client) return false;
        http = std::move(*client);
        api = std::make_unique<ProtonHttpApi>(*http, url, linux_client_identity());
        modulus_key = test::read_text(state / "pki" / "srp-modulus-key.asc");
        return true;
    }

    void knobs(json::object const& values) {
        test::write_text(state / "knobs.json.tmp", json::serialize(values));
        fs::rename(state / "knobs.json.tmp", state / "knobs.json");
    }

    std::unique_ptr<Session> session(std::string const& name) {
        SessionOptions o;
        o.file = dir / name / "session.json";
        o.modulus_key = modulus_key;
        o.secrets = [] { return LoginSecrets{"labuser", "labpass", "", std::nullopt}; };
        return std::make_unique<Session>(io.get_executor(), *api, std::move(o));
    }

    template <class T>
    T wait(asio::awaitable<T> task) {
        return test::run_coro(io, std::move(task));
    }

    std::string log() const {
        try {
            return test::read_text(dir / "api.log");
        } catch (std::exception const&) {
            return {};
        }
    }
};

bool lab_available() {
    if (!fs::exists(lab_api_dir + "/server.py") || !fs::exists(lab_api_dir + "/pki.py") || !fs::exists(python))
        return false;
    test::TempDir probe;
    return run({python, "-c", "import cryptography, bcrypt"}, probe / "probe.log") == 0;
}

std::string errc(ApiError const& e) { return std::string(errc_name(e.error.code)); }

} // namespace

TEST_CASE("the Proton client against the lab's API stand-in", "[labapi]") {
    if (!lab_available()) {
        WARN("tests/lab/api/server.py or python3-cryptography/python3-bcrypt missing; skipped");
        return;
    }
    // One stand-in for all sections (Catch runs the body once per section); it
    // is stopped when the test program exits.
    static Lab lab;
    static bool const started = lab.start();
    lab.knobs({});
    /// A failed REQUIRE unwinds through here: show what the stand-in logged.
    struct ShowLogOnFailure {
        Lab& lab;
        ~ShowLogOnFailure() {
            if (std::uncaught_exceptions() > 0) std::cerr << "--- lab API stand-in log ---\n" << lab.log();
        }
    } show_log{lab};
    REQUIRE(started);

    SECTION("login, refresh, servers, certificate, logout") {
        {
            SessionOptions o;
            o.file = lab.dir / "bad" / "session.json";
            o.modulus_key = lab.modulus_key;
            o.secrets = [] { return LoginSecrets{"labuser", "wrong password", "", std::nullopt}; };
            Session bad(lab.io.get_executor(), *lab.api, o);
            auto r = lab.wait(bad.ensure());
            REQUIRE_FALSE(r);
            CHECK(errc(r.error()) == "auth_failed");
            CHECK(r.error().api_code == 8002);
        }
        {
            // The lab's modulus is not signed by Proton's key: the pinned key refuses it.
            SessionOptions o;
            o.file = lab.dir / "pinned" / "session.json";
            o.secrets = [] { return LoginSecrets{"labuser", "labpass", "", std::nullopt}; };
            Session pinned(lab.io.get_executor(), *lab.api, o);
            auto r = lab.wait(pinned.ensure());
            REQUIRE_FALSE(r);
            CHECK(errc(r.error()) == "api_error");
        }

        auto s = lab.session("main");
        REQUIRE(lab.wait(s->ensure()));
        auto const file = lab.dir / "main" / "session.json";
        struct stat st {};
        REQUIRE(::stat(file.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        auto first = parse_session(test::read_text(file));
        REQUIRE(first);

        auto info = lab.wait(s->vpn_info());
        REQUIRE(info);
        CHECK(info->max_tier == 2);

        // Every current access token is answered 401 once: refresh, retry, save the rotated token.
        lab.knobs({{"expire_session", true}});
        REQUIRE(lab.wait(s->vpn_info()));
        auto refreshed = parse_session(test::read_text(file));
        REQUIRE(refreshed);
        CHECK(refreshed->uid == first->uid);
        CHECK(refreshed->refresh_token != first->refresh_token);
        CHECK(refreshed->access_token != first->access_token);

        // Refresh refused (10013): a full login replaces the session.
        lab.knobs({{"expire_session", 2}, {"refresh_invalid", true}});
        REQUIRE(lab.wait(s->vpn_info()));
        auto relogged = parse_session(test::read_text(file));
        REQUIRE(relogged);
        CHECK(relogged->uid != first->uid);
        lab.knobs({});

        // The ~15,000-server list, cached and filtered.
        ServerDirectory directory(lab.io.get_executor(), *s, lab.dir / "servers.json", {}, 10ms);
        auto cache = lab.wait(directory.get());
        REQUIRE(cache);
        auto const& list = (*cache)->servers;
        CHECK(list.logicals.size() >= 15000);
        CHECK((*cache)->max_tier == 2);
        test::run_for(lab.io, 100ms);  // servers.json is written just after the fetch
        CHECK(fs::exists(lab.dir / "servers.json"));
        auto p2p = select_servers(list, {.country = "ch", .p2p = true});
        REQUIRE(p2p);
        CHECK(list.logicals[p2p->front()].name == "CH#1");  // lab servers score better than generated ones
        auto const* ch1 = list.find("CH#1");
        REQUIRE(ch1);
        REQUIRE(list.physicals_of(*ch1).size() == 1);
        CHECK(list.physicals_of(*ch1)[0].entry_ip == "203.0.113.11");
        CHECK(list.physicals_of(*ch1)[0].usable());
        auto sc = select_servers(list, {.country = "SE", .secure_core = true});
        REQUIRE(sc);
        CHECK(list.logicals[sc->front()].name == "CH-SE#1");
        auto none = select_servers(list, {.country = "ch", .p2p = true, .max_load = 0});
        REQUIRE_FALSE(none);
        CHECK(none.error().message.find("none with load ≤ 0%") != std::string::npos);
        auto loads = lab.wait(s->loads());
        REQUIRE(loads);
        CHECK(loads->size() == list.logicals.size());

        // A certificate for an Ed25519 key, with port forwarding.
        auto key = DeviceKey::generate();
        REQUIRE(key);
        CertificateRequest req;
        req.client_public_key_pem = key->public_pem();
        req.port_forwarding = true;
        req.duration_minutes = 1440;
        auto cert = lab.wait(s->certificate(req));
        REQUIRE(cert);
        CHECK(cert->certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        CHECK(cert->client_key_fingerprint == key->fingerprint());
        CHECK(cert->refresh_time > std::time(nullptr));
        CHECK(cert->expiration_time > cert->refresh_time);
        auto grants = json::parse(test::read_text(lab.state / "grants" / "cert.json")).as_object();
        REQUIRE(grants.contains(key->wg_public_key()));
        CHECK(grants.at(key->wg_public_key()).at("pf").as_bool());

        // A refused request body is an api_error with Proton's code.
        req.duration_minutes = 1;
        auto short_cert = lab.wait(s->certificate(req));
        REQUIRE_FALSE(short_cert);
        CHECK(errc(short_cert.error()) == "api_error");
        CHECK(short_cert.error().api_code == 2001);

        REQUIRE(lab.wait(s->logout()));
        CHECK_FALSE(fs::exists(file));
    }

    SECTION("2FA: missing, wrong, right") {
        lab.knobs({{"require_2fa", true}});
        auto s = lab.session("twofa");
        auto none = lab.wait(s->ensure());
        REQUIRE_FALSE(none);
        CHECK(errc(none.error()) == "twofa_required");
        auto wrong = lab.wait(s->ensure(totp(totp_secret) == "000000" ? "111111" : "000000"));
        REQUIRE_FALSE(wrong);
        CHECK(errc(wrong.error()) == "auth_failed");
        auto right = lab.wait(s->ensure(totp(totp_secret)));
        REQUIRE(right);
        CHECK(s->current()->has_scope("vpn"));
        REQUIRE(lab.wait(s->vpn_info()));
    }

    SECTION("human verification: URL and token, solved in a 'browser', replayed") {
        lab.knobs({{"human_verification", true}});
        auto s = lab.session("hv");
        auto r = lab.wait(s->ensure());
        REQUIRE_FALSE(r);
        REQUIRE(errc(r.error()) == "human_verification");
        auto const& e = r.error();
        CHECK(e.api_code == 9001);
        CHECK(e.hv_url.starts_with(lab.url + "/core/v4/captcha?Token="));
        CHECK_FALSE(e.hv_token.empty());
        auto page = lab.wait(lab.http->request(boost::beast::http::verb::get, e.hv_url.substr(lab.url.size()), {},
                                               std::nullopt));
        REQUIRE(page);
        CHECK(page->status == 200);
        REQUIRE(lab.wait(s->ensure({}, HvToken{e.hv_token, "captcha"})));
    }

    SECTION("rate limits, outdated app, API failures") {
        auto s = lab.session("limits");
        REQUIRE(lab.wait(s->ensure()));
        lab.knobs({{"rate_limit", 2}});  // the next two requests get 429 Retry-After: 1
        auto waited = lab.wait(s->vpn_info());
        REQUIRE(waited);

        lab.knobs({{"rate_limit", 9}});
        auto limited = lab.wait(s->vpn_info());
        REQUIRE_FALSE(limited);
        CHECK(errc(limited.error()) == "rate_limited");
        CHECK(limited.error().retry_after == std::chrono::seconds{1});
        lab.knobs({{"rate_limit", 0}});

        lab.knobs({{"min_app_version", "99.0.0"}});
        auto outdated = lab.wait(s->vpn_info());
        REQUIRE_FALSE(outdated);
        CHECK(errc(outdated.error()) == "app_outdated");

        lab.knobs({{"http_500", true}});
        auto down = lab.wait(s->vpn_info());
        REQUIRE_FALSE(down);
        CHECK(errc(down.error()) == "network");

        lab.knobs({{"truncated_json", true}});
        auto truncated = lab.wait(s->vpn_info());
        REQUIRE_FALSE(truncated);
        CHECK(errc(truncated.error()) == "api_error");
        lab.knobs({});
        REQUIRE(lab.wait(s->vpn_info()));
    }

    SECTION("TLS: a certificate not from the configured CA, or for another name, is refused") {
        net::HttpsOptions other;
        other.ca_file = lab.state / "pki" / "proton-root-ca.pem";
        auto client = net::HttpsClient::create(lab.io, lab.url, other);
        REQUIRE(client);
        auto r = lab.wait((*client)->request(boost::beast::http::verb::get, "/tests/ping", {}, std::nullopt));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
        CHECK(r.error().message.find("certificate verify failed") != std::string::npos);

        net::HttpsOptions right;
        right.ca_file = lab.state / "pki" / "api-ca.pem";
        auto by_name = net::HttpsClient::create(lab.io, "https://localhost:" + std::to_string(lab.port), right);
        REQUIRE(by_name);
        auto mismatch = lab.wait((*by_name)->request(boost::beast::http::verb::get, "/tests/ping", {}, std::nullopt));
        REQUIRE_FALSE(mismatch);
        CHECK(mismatch.error().code == Errc::network);

        auto ok = lab.wait(lab.http->request(boost::beast::http::verb::get, "/tests/ping", {}, std::nullopt));
        REQUIRE(ok);
        CHECK(ok->status == 200);
    }
}
