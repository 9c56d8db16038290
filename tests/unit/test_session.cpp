#include "catch_api_result.hpp"
#include "common/base64.hpp"
#include "common/log.hpp"
#include "daemon/proton/modulus.hpp"
#include "daemon/proton/pgp.hpp"
#include "daemon/proton/session.hpp"
#include "run_coro.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"
#include "tests/fakes/fake_proton_api.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace pvpn;
using namespace pvpn::proton;
using pvpn::test::FakeProtonApi;
using pvpn::test::run_coro;
namespace asio = boost::asio;

namespace {

/// The genuine Proton-signed modulus of srp-vectors.json (verifies against the pinned key).
FakeProtonApi proton_signed_api() {
    auto v = test::read_test_json("srp-vectors.json").at("signed_modulus_vectors").as_array().at(0).as_object();
    auto modulus = base64_decode(std::string(v.at("Decoded").as_string()));
    REQUIRE(modulus);
    return FakeProtonApi(std::string(v.at("SignedModulus").as_string()), *modulus);
}

struct Fixture {
    asio::io_context io;
    test::TempDir dir;
    FakeProtonApi api = proton_signed_api();
    std::int64_t now = 1'000'000;
    std::vector<std::chrono::seconds> sleeps;
    LoginSecrets secrets{"alice", "correct horse battery", "", std::nullopt};

    SessionOptions options() {
        SessionOptions o;
        o.file = dir / "session" / "session.json";
        o.secrets = [this] { return secrets; };
        o.now = [this] { return now; };
        o.sleep = [this](std::chrono::seconds d) -> asio::awaitable<void> {
            sleeps.push_back(d);
            co_return;
        };
        return o;
    }

    std::unique_ptr<Session> session() { return std::make_unique<Session>(io.get_executor(), api, options()); }

    template <class T>
    T run(asio::awaitable<T> task) {
        return run_coro(io, std::move(task));
    }
};

std::string errc_of(ApiError const& e) { return std::string(errc_name(e.error.code)); }

} // namespace

TEST_CASE("login runs SRP against the pinned modulus key and saves the session 0600", "[session]") {
    Fixture f;
    auto s = f.session();
    auto r = f.run(s->ensure());
    REQUIRE(r);
    REQUIRE(s->current());
    CHECK(s->current()->uid == f.api.uid);
    CHECK(s->current()->expires == f.now + 3600);

    auto const file = f.dir / "session" / "session.json";
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto saved = parse_session(test::read_text(file));
    REQUIRE(saved);
    CHECK(saved->access_token == f.api.access_token);
    CHECK(saved->refresh_token == f.api.refresh_token);
    CHECK(saved->user == "alice");
    CHECK(saved->has_scope("vpn"));

    // A new daemon resumes it without logging in.
    auto again = f.session();
    again->load();
    REQUIRE(f.run(again->vpn_info()));
    CHECK(f.api.calls["auth_info"] == 1);
}

TEST_CASE("the session file round-trips and refuses garbage", "[session]") {
    StoredSession s{"bob", "u1", "a1", "r1", 42, {"vpn", "full"}};
    auto back = parse_session(session_json(s));
    REQUIRE(back);
    CHECK(back->uid == "u1");
    CHECK(back->expires == 42);
    CHECK(back->scopes == std::vector<std::string>{"vpn", "full"});
    CHECK_FALSE(parse_session("[]"));
    CHECK_FALSE(parse_session("{\"User\":\"x\"}"));
    CHECK_FALSE(parse_session("not json"));
}

TEST_CASE("a corrupt session file is ignored and replaced by a login", "[session]") {
    Fixture f;
    std::filesystem::create_directories(f.dir / "session");
    test::write_text(f.dir / "session" / "session.json", "{broken");
    auto s = f.session();
    s->load();
    CHECK_FALSE(s->current());
    REQUIRE(f.run(s->vpn_info()));
    CHECK(f.api.calls["auth_info"] == 1);
}

TEST_CASE("wrong password and missing credentials are distinct errors", "[session]") {
    Fixture f;
    f.secrets.password = "wrong";
    auto s = f.session();
    auto r = f.run(s->ensure());
    REQUIRE_FALSE(r);
    CHECK(errc_of(r.error()) == "auth_failed");
    CHECK_FALSE(std::filesystem::exists(f.dir / "session" / "session.json"));

    f.secrets.password.clear();
    auto r2 = f.run(s->ensure());
    REQUIRE_FALSE(r2);
    CHECK(errc_of(r2.error()) == "not_configured");
}

TEST_CASE("a server proof that does not match aborts the login", "[session]") {
    Fixture f;
    f.api.corrupt_server_proof = true;
    auto s = f.session();
    auto r = f.run(s->ensure());
    REQUIRE_FALSE(r);
    CHECK(errc_of(r.error()) == "api_error");
    CHECK_FALSE(s->current());
}

TEST_CASE("a modulus signed by another key is refused; a configured key is used", "[session]") {
    Fixture f;
    auto test_key = test::read_test_data("pgp-test-key.asc");
    SECTION("Proton's modulus against the configured test key") {
        auto o = f.options();
        o.modulus_key = test_key;
        Session s(f.io.get_executor(), f.api, o);
        auto r = f.run(s.ensure());
        REQUIRE_FALSE(r);
        CHECK(errc_of(r.error()) == "api_error");
        CHECK(r.error().error.message.find("modulus") != std::string::npos);
        CHECK(f.api.calls["auth"] == 0);
    }
    SECTION("a modulus signed by the configured key") {
        auto signed_modulus = test::read_test_data("pgp-test-modulus.asc");
        auto key = parse_pgp_public_key(test_key);
        REQUIRE(key);
        auto modulus = decode_signed_modulus(signed_modulus, *key);
        REQUIRE(modulus);
        FakeProtonApi api(signed_modulus, *modulus);
        auto o = f.options();
        o.modulus_key = test_key;
        Session s(f.io.get_executor(), api, o);
        REQUIRE(f.run(s.ensure()));
    }
}

TEST_CASE("2FA: no code, a wrong code, the right code", "[session]") {
    Fixture f;
    f.api.require_2fa = true;
    auto s = f.session();

    auto none = f.run(s->ensure());
    REQUIRE_FALSE(none);
    CHECK(errc_of(none.error()) == "twofa_required");
    CHECK(f.api.logged_out);  // the half-open session was closed

    auto wrong = f.run(s->ensure("000000"));
    REQUIRE_FALSE(wrong);
    CHECK(errc_of(wrong.error()) == "auth_failed");
    CHECK_FALSE(s->current());

    auto right = f.run(s->ensure("123456"));
    REQUIRE(right);
    REQUIRE(s->current());
    CHECK(s->current()->has_scope("vpn"));
    CHECK(f.run(s->vpn_info()));
}

TEST_CASE("human verification returns URL and token; the solved token is replayed", "[session]") {
    Fixture f;
    f.api.require_hv = true;
    auto s = f.session();
    auto r = f.run(s->ensure());
    REQUIRE_FALSE(r);
    CHECK(errc_of(r.error()) == "human_verification");
    auto data = r.error().data();
    CHECK(data.at("url").as_string() == "https://api.test/core/v4/captcha?Token=hv-challenge");
    CHECK(data.at("token").as_string() == "hv-challenge");

    auto ok = f.run(s->ensure({}, HvToken{"solved-hv-token", "captcha"}));
    REQUIRE(ok);
    REQUIRE(f.api.last_hv);
    CHECK(f.api.last_hv->token == "solved-hv-token");
    CHECK(f.api.last_hv->type == "captcha");
}

TEST_CASE("a 401 refreshes the tokens, saves the rotated refresh token and retries", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    auto const old_refresh = f.api.refresh_token;
    f.api.access_expired = true;
    auto r = f.run(s->vpn_info());
    REQUIRE(r);
    CHECK(f.api.calls["refresh"] == 1);
    CHECK(f.api.calls["auth_info"] == 1);
    CHECK(f.api.refresh_token != old_refresh);
    auto saved = parse_session(test::read_text(f.dir / "session" / "session.json"));
    REQUIRE(saved);
    CHECK(saved->refresh_token == f.api.refresh_token);
}

TEST_CASE("an access token near its expiry is refreshed before the call", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    f.now += 3600 - 30;
    REQUIRE(f.run(s->loads()));
    CHECK(f.api.calls["refresh"] == 1);
    CHECK(f.api.calls["loads"] == 1);  // no 401 round trip
}

TEST_CASE("a refused refresh leads to a full login", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    f.api.access_expired = true;
    f.api.refresh_invalid = true;
    REQUIRE(f.run(s->vpn_info()));
    CHECK(f.api.calls["refresh"] == 1);
    CHECK(f.api.calls["auth_info"] == 2);
}

TEST_CASE("a refused refresh of a 2FA account without a code ends in twofa_required", "[session]") {
    Fixture f;
    f.api.require_2fa = true;
    auto s = f.session();
    REQUIRE(f.run(s->ensure("123456")));
    f.api.access_expired = true;
    f.api.refresh_invalid = true;
    auto r = f.run(s->vpn_info());
    REQUIRE_FALSE(r);
    CHECK(errc_of(r.error()) == "twofa_required");
}

TEST_CASE("concurrent calls with an expired token share one refresh", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    f.api.access_expired = true;
    int ok = 0;
    for (int i = 0; i < 3; ++i)
        asio::co_spawn(
            f.io, [&]() -> asio::awaitable<void> { ok += (co_await s->vpn_info()) ? 1 : 0; }, asio::detached);
    f.io.restart();
    f.io.run();
    CHECK(ok == 3);
    CHECK(f.api.calls["refresh"] == 1);
    CHECK(f.api.calls["auth_info"] == 1);
}

TEST_CASE("short rate limits are waited out, long or repeated ones are returned", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));

    f.api.fail_next["vpn_info"] = {FakeProtonApi::rate_limited(2)};
    REQUIRE(f.run(s->vpn_info()));
    CHECK(f.sleeps == std::vector<std::chrono::seconds>{std::chrono::seconds{2}});

    f.sleeps.clear();
    f.api.fail_next["vpn_info"] = {FakeProtonApi::rate_limited(30)};
    auto long_wait = f.run(s->vpn_info());
    REQUIRE_FALSE(long_wait);
    CHECK(errc_of(long_wait.error()) == "rate_limited");
    CHECK(long_wait.error().data().at("retry_after").as_int64() == 30);
    CHECK(f.sleeps.empty());

    f.api.fail_next["vpn_info"] = std::deque<ApiError>(5, FakeProtonApi::rate_limited(1));
    auto repeated = f.run(s->vpn_info());
    REQUIRE_FALSE(repeated);
    CHECK(errc_of(repeated.error()) == "rate_limited");
    CHECK(f.sleeps.size() == 3);
}

TEST_CASE("a rate-limited login waits and goes on", "[session]") {
    Fixture f;
    f.api.fail_next["auth_info"] = {FakeProtonApi::rate_limited(1)};
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    CHECK(f.sleeps.size() == 1);
}

TEST_CASE("a change of configured user logs in anew", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    f.secrets.user = "ALICE";  // same account, other spelling: kept
    REQUIRE(f.run(s->ensure()));
    CHECK(f.api.calls["auth_info"] == 1);
    f.secrets.user = "bob";
    f.api.user = "bob";
    REQUIRE(f.run(s->ensure()));
    CHECK(f.api.calls["auth_info"] == 2);
    CHECK(s->current()->user == "bob");
}

TEST_CASE("logout ends the session at Proton and deletes the file", "[session]") {
    Fixture f;
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    REQUIRE(f.run(s->logout()));
    CHECK(f.api.logged_out);
    CHECK_FALSE(s->current());
    CHECK_FALSE(std::filesystem::exists(f.dir / "session" / "session.json"));
}

TEST_CASE("tokens never reach the log", "[session]") {
    Fixture f;
    log::init({.file = f.dir / "log.txt", .verbose = true, .to_stderr = false, .journal_prefix = false});
    auto s = f.session();
    REQUIRE(f.run(s->ensure()));
    log::info("test", "token ", f.api.access_token, " refresh ", f.api.refresh_token);
    log::init({});
    auto text = test::read_text(f.dir / "log.txt");
    CHECK(text.find(f.api.access_token) == std::string::npos);
    CHECK(text.find(f.api.refresh_token) == std::string::npos);
    CHECK(text.find("***") != std::string::npos);
}

TEST_CASE("certificate requests go through the session", "[session]") {
    Fixture f;
    auto s = f.session();
    CertificateRequest req;
    req.client_public_key_pem = "-----BEGIN PUBLIC KEY-----\n...";
    req.port_forwarding = true;
    auto r = f.run(s->certificate(req));
    REQUIRE(r);
    CHECK(r->refresh_time == 1500);
    REQUIRE(f.api.last_certificate_request);
    CHECK(f.api.last_certificate_request->port_forwarding == std::optional<bool>(true));
}
