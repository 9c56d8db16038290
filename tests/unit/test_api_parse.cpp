#include "daemon/proton/api_errors.hpp"
#include "catch_result.hpp"
#include "daemon/proton/api_parse.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::proton;

namespace {

std::string const wg_key = "YgLmi/Hv9Mn6vYoeCy9Ouz2SLUwB+3R3vNyKz8GrfBc=";

/// A logical server in the shape of Proton's /vpn/v1/logicals (proton-api.md §3.1).
std::string const logicals_body = R"({
  "Code": 1000,
  "LogicalServers": [
    {"ID": "l1", "Name": "CH#10", "EntryCountry": "ch", "ExitCountry": "CH", "HostCountry": null,
     "Domain": "node-ch-10.protonvpn.net", "Tier": 2, "Features": 12, "Status": 1, "Load": 37,
     "Score": 1.0234, "City": "Zurich", "Region": null, "Location": {"Lat": 47.3, "Long": 8.5},
     "Servers": [
       {"ID": "p1", "EntryIP": "185.159.157.1", "ExitIP": "185.159.157.2", "Domain": "node-ch-10.protonvpn.net",
        "Status": 1, "Label": "0", "X25519PublicKey": "YgLmi/Hv9Mn6vYoeCy9Ouz2SLUwB+3R3vNyKz8GrfBc=",
        "Generation": 0, "ServicesDownReason": null,
        "EntryPerProtocol": {"WireGuardUDP": {"IPv4": "185.159.157.9"}}},
       {"ID": "p2", "EntryIP": "not-an-ip", "ExitIP": "1.2.3.4", "Domain": "x", "Status": 1,
        "Label": "1", "X25519PublicKey": null}
     ]},
    {"ID": "l2", "Name": "IS-CH#1", "EntryCountry": "IS", "ExitCountry": "CH", "Tier": 2, "Features": 1,
     "Status": 0, "Load": 0, "Score": 3, "City": null,
     "Servers": [{"ID": "p3", "EntryIP": "10.0.0.1", "Status": 0, "X25519PublicKey": "short"}]}
  ]
})";

} // namespace

TEST_CASE("parse_logicals reads Proton's shape, with the WireGuard entry override", "[api]") {
    auto r = parse_logicals(logicals_body);
    REQUIRE(r);
    REQUIRE(r->logicals.size() == 2);
    auto const& ch = r->logicals[0];
    CHECK(ch.name == "CH#10");
    CHECK(ch.entry_country == "CH");
    CHECK(ch.features == 12);
    CHECK(ch.load == 37);
    CHECK(ch.score == Approx(1.0234));
    auto phys = r->physicals_of(ch);
    REQUIRE(phys.size() == 2);
    CHECK(phys[0].entry_ip == "185.159.157.9");
    CHECK(phys[0].exit_ip == "185.159.157.2");
    CHECK(phys[0].x25519_public_key == wg_key);
    CHECK(phys[0].usable());
    CHECK_FALSE(phys[1].usable());  // bad IP, no key
    CHECK(r->online(ch));
    auto const& sc = r->logicals[1];
    CHECK(sc.city.empty());
    CHECK(sc.score == 3.0);
    CHECK_FALSE(r->online(sc));
    CHECK(r->physicals_of(sc)[0].x25519_public_key.empty());
}

TEST_CASE("a physical server is usable only with an address and a key the tunnel can use", "[api]") {
    // Found by fuzz_proton_api: a NUL inside EntryIP passed inet_pton (which
    // stops at it), and a key with stray bits in its last character passed the
    // character check but not the tunnel's base64 decoding.
    auto one = [](std::string_view entry_ip, std::string_view key) {
        std::string const body = R"({"LogicalServers":[{"ID":"l","Name":"CH#1","EntryCountry":"CH",)"
                                 R"("ExitCountry":"CH","Tier":2,"Features":4,"Status":1,"Servers":[)"
                                 R"({"EntryIP":")" + std::string(entry_ip) + R"(","Status":1,"X25519PublicKey":")" +
                                 std::string(key) + R"("}]}]})";
        auto r = parse_logicals(body);
        REQUIRE(r);
        return r->physicals.at(0);
    };
    CHECK(one("203.0.113.11", wg_key).usable());
    auto nul = one(R"(203.0.113.11\u0000junk)", wg_key);
    CHECK_FALSE(nul.usable());
    CHECK(nul.entry_ip.empty());
    auto stray_bits = one("203.0.113.11", "YgLmi/Hv9Mn6vYoeCy9Ouz2SLUwB+3R3vNyKz8GrfBd=");
    CHECK_FALSE(stray_bits.usable());
    CHECK_FALSE(one("203.0.113.11", "YgLmi/Hv9Mn6vYoeCy9Ouz2SLUwB+3R3vNyKz8GrfB==").usable());
}

TEST_CASE("malformed replies are errors that name the field, never crashes", "[api]") {
    auto bad = [](std::string_view body) {
        auto r = parse_logicals(body);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::api_error);
        return r.error().message;
    };
    CHECK(bad("").find("not valid JSON") != std::string::npos);
    CHECK(bad("[1,2]").find("not an object") != std::string::npos);
    CHECK(bad(R"({"Code":1000})").find("LogicalServers is missing") != std::string::npos);
    CHECK(bad(R"({"Code":2011,"LogicalServers":[]})").find("Code is 2011") != std::string::npos);
    CHECK(bad(R"({"LogicalServers":{}})").find("LogicalServers is not an array") != std::string::npos);
    CHECK(bad(R"({"LogicalServers":[{"ID":"a","Name":"n","EntryCountry":"CH","ExitCountry":"CH","Tier":"2"}]})")
              .find("LogicalServers[0].Tier is not an integer") != std::string::npos);
    CHECK(bad(R"({"LogicalServers":[{"ID":"a","Name":"n","EntryCountry":"CH","ExitCountry":"CH","Tier":2,)"
              R"("Features":4,"Status":1,"Servers":[{"EntryIP":7,"Status":1}]}]})")
              .find("LogicalServers[0].Servers[0].EntryIP is not a string") != std::string::npos);
    CHECK(bad(R"({"LogicalServers":[{"ID":"a","Name":"n","EntryCountry":"CH","ExitCountry":"CH","Tier":2,)"
              R"("Features":-1,"Status":1,"Servers":[]}]})")
              .find("Features is out of range") != std::string::npos);
    CHECK(bad(R"({"LogicalServers":[{"ID":"a","Name":"n","EntryCountry":"CH","ExitCountry":"CH","Tier":2,)"
              R"("Features":1,"Status":1,"Load":1e999,"Servers":[]}]})")
              .size() > 0);
    CHECK(bad(std::string(100000, '[')).find("not valid JSON") != std::string::npos);
    CHECK(bad(std::string(logicals_body).substr(0, 300)).find("not valid JSON") != std::string::npos);
    // Every prefix of a good reply fails cleanly.
    std::string const body = logicals_body;
    for (std::size_t n = 0; n < body.size(); n += 7) CHECK_FALSE(parse_logicals(body.substr(0, n)));
}

TEST_CASE("auth info, auth, 2FA, refresh", "[api]") {
    auto info = parse_auth_info(R"({"Code":1000,"Version":4,"Modulus":"-----BEGIN PGP","ServerEphemeral":"Qg==",)"
                                R"("Salt":"c2FsdA==","SRPSession":"abc","2FA":{"Enabled":0}})");
    REQUIRE(info);
    CHECK(info->version == 4);
    CHECK(info->srp_session == "abc");
    CHECK_FALSE(parse_auth_info(R"({"Code":1000,"Version":"4"})"));

    auto auth = parse_auth(R"({"Code":1000,"UID":"u","AccessToken":"a","RefreshToken":"r","ExpiresIn":86400,)"
                           R"("TokenType":"Bearer","Scope":"twofactor","ServerProof":"cA==","PasswordMode":1,)"
                           R"("2FA":{"Enabled":1,"TOTP":1}})");
    REQUIRE(auth);
    CHECK(auth->tokens.uid == "u");
    CHECK(auth->tokens.expires_in == 86400);
    CHECK(auth->tokens.scopes == std::vector<std::string>{"twofactor"});
    CHECK(auth->twofa_enabled == 1);
    auto list_scopes = parse_auth(R"({"UID":"u","AccessToken":"a","RefreshToken":"r","ServerProof":"p",)"
                                  R"("Scopes":["full","vpn"],"TwoFactor":0})");
    REQUIRE(list_scopes);
    CHECK(list_scopes->tokens.scopes == std::vector<std::string>{"full", "vpn"});
    CHECK_FALSE(parse_auth(R"({"UID":"u","AccessToken":"a","RefreshToken":"r"})"));  // no ServerProof
    CHECK_FALSE(parse_auth(R"({"UID":"u","AccessToken":"a","RefreshToken":"r","ServerProof":"p","Scopes":[1]})"));

    auto twofa = parse_twofa(R"({"Code":1000,"Scopes":["vpn"]})");
    REQUIRE(twofa);
    CHECK(*twofa == std::vector<std::string>{"vpn"});

    auto refreshed = parse_refresh(R"({"Code":1000,"AccessToken":"a2","RefreshToken":"r2","ExpiresIn":3600,"Scope":"full vpn"})");
    REQUIRE(refreshed);
    CHECK(refreshed->refresh_token == "r2");
    CHECK(refreshed->scopes.size() == 2);
    CHECK_FALSE(parse_refresh(R"({"AccessToken":"a2"})"));
}

TEST_CASE("vpn info, client config, loads, certificate", "[api]") {
    auto vpn = parse_vpn_info(R"({"Code":1000,"VPN":{"MaxTier":2,"MaxConnect":10,"Status":1,"PlanName":"vpn2022",)"
                              R"("PlanTitle":null},"Delinquent":3})");
    REQUIRE(vpn);
    CHECK(vpn->max_tier == 2);
    CHECK(vpn->plan_name == "vpn2022");
    CHECK(vpn->delinquent);
    auto free_plan = parse_vpn_info(R"({"Code":1000,"VPN":{"MaxTier":null}})");
    REQUIRE(free_plan);
    CHECK(free_plan->max_tier == 0);
    CHECK_FALSE(parse_vpn_info(R"({"Code":1000})"));

    auto cc = parse_client_config(R"({"Code":1000,"DefaultPorts":{"WireGuard":{"UDP":[443,51820]}},)"
                                  R"("ServerRefreshInterval":10,"FeatureFlags":{"PortForwarding":false}})");
    REQUIRE(cc);
    CHECK(cc->wireguard_udp_ports == std::vector<std::uint16_t>{443, 51820});
    CHECK_FALSE(cc->port_forwarding);
    CHECK_FALSE(parse_client_config(R"({"DefaultPorts":{"WireGuard":{"UDP":[70000]}}})"));

    auto loads = parse_loads(R"({"LogicalServers":[{"ID":"l1","Load":12,"Score":1.5,"Status":1}]})");
    REQUIRE(loads);
    REQUIRE(loads->size() == 1);
    CHECK((*loads)[0].score == 1.5);
    CHECK_FALSE(parse_loads(R"({"LogicalServers":[{"ID":"l1","Load":120,"Score":1,"Status":1}]})"));

    auto cert = parse_certificate(R"({"Code":1000,"SerialNumber":"123","ClientKeyFingerprint":"fp",)"
                                  R"("Certificate":"-----BEGIN CERTIFICATE-----","ExpirationTime":2000,)"
                                  R"("RefreshTime":1500,"Mode":"session"})");
    REQUIRE(cert);
    CHECK(cert->serial_number == "123");
    CHECK(cert->refresh_time == 1500);
    auto numeric_serial = parse_certificate(R"({"SerialNumber":7,"Certificate":"c","ExpirationTime":2,"RefreshTime":1})");
    REQUIRE(numeric_serial);
    CHECK(numeric_serial->serial_number == "7");
    CHECK_FALSE(parse_certificate(R"({"SerialNumber":"1","Certificate":"c","ExpirationTime":-5,"RefreshTime":1})"));
}

TEST_CASE("error mapping: Proton's answers become typed errors", "[api]") {
    std::string const api = "https://vpn-api.example";
    auto map = [&](int status, std::string_view body, CallKind kind = CallKind::other, std::string_view retry = "") {
        return map_http_error(status, body, retry, api, kind);
    };

    auto expired = map(401, R"({"Code":401,"Error":"Invalid access token"})");
    CHECK(expired.session_expired);
    CHECK(expired.error.code == Errc::auth_failed);

    auto wrong_pw = map(422, R"({"Code":8002,"Error":"Incorrect login credentials"})", CallKind::login);
    CHECK(wrong_pw.error.code == Errc::auth_failed);
    CHECK(wrong_pw.api_code == 8002);
    CHECK_FALSE(wrong_pw.session_expired);

    auto wrong_code = map(401, R"({"Code":8002,"Error":"Incorrect code"})", CallKind::twofa);
    CHECK(wrong_code.error.code == Errc::auth_failed);
    CHECK_FALSE(wrong_code.session_expired);
    CHECK(wrong_code.error.message.find("2FA") != std::string::npos);

    auto hv = map(422, R"({"Code":9001,"Error":"Human verification required","Details":)"
                       R"({"HumanVerificationToken":"tok/en+1","HumanVerificationMethods":["captcha","email"]}})",
                  CallKind::login);
    CHECK(hv.error.code == Errc::human_verification);
    CHECK(hv.hv_token == "tok/en+1");
    CHECK(hv.hv_methods == "captcha,email");
    CHECK(hv.hv_url == "https://vpn-api.example/core/v4/captcha?Token=tok%2Fen%2B1");
    auto data = hv.data();
    CHECK(data.at("url").as_string() == hv.hv_url);
    CHECK(data.at("token").as_string() == "tok/en+1");

    auto limited = map(429, R"({"Code":2028})", CallKind::other, "7");
    CHECK(limited.error.code == Errc::rate_limited);
    CHECK(limited.retry_after == std::chrono::seconds{7});
    CHECK(limited.data().at("retry_after").as_int64() == 7);
    auto unavailable = map(503, "<html>", CallKind::other, "");
    CHECK(unavailable.error.code == Errc::rate_limited);
    CHECK(unavailable.retry_after == std::chrono::seconds{0});

    for (int code : {5001, 5003, 5005})
        CHECK(map(400, R"({"Code":)" + std::to_string(code) + "}").error.code == Errc::app_outdated);

    auto refresh_bad = map(400, R"({"Code":10013,"Error":"Invalid refresh token"})", CallKind::refresh);
    CHECK(refresh_bad.session_invalid);
    auto refresh_422 = map(422, R"({"Code":2001})", CallKind::refresh);
    CHECK(refresh_422.session_invalid);

    auto other = map(422, R"({"Code":2001,"Error":"Invalid Duration"})");
    CHECK(other.error.code == Errc::api_error);
    CHECK(other.api_code == 2001);
    CHECK(other.error.message.find("Invalid Duration") != std::string::npos);
    CHECK(other.data().at("api_code").as_int64() == 2001);

    CHECK(map(500, R"({"Code":500})").error.code == Errc::network);
    CHECK(map(502, "bad gateway").error.code == Errc::network);
    CHECK(map(403, R"({"Code":9100})").error.code == Errc::twofa_required);
    CHECK(map(404, "not json").error.code == Errc::api_error);
}

TEST_CASE("Retry-After parsing", "[api]") {
    CHECK(parse_retry_after("5") == std::chrono::seconds{5});
    CHECK(parse_retry_after(" 12 ") == std::chrono::seconds{12});
    CHECK(parse_retry_after("") == std::chrono::seconds{0});
    CHECK(parse_retry_after("-3") == std::chrono::seconds{0});
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == std::chrono::seconds{0});
    CHECK(parse_retry_after("99999999999") == std::chrono::seconds{86400});
}

TEST_CASE("error bodies are read leniently", "[api]") {
    auto b = parse_error_body(R"({"Code":9001,"Error":"x","Details":{"HumanVerificationToken":"t"}})");
    REQUIRE(b);
    CHECK(b->code == 9001);
    CHECK(b->hv_token == "t");
    CHECK_FALSE(parse_error_body("nope"));
    auto odd = parse_error_body(R"({"Code":"9001","Details":[]})");
    REQUIRE(odd);
    CHECK(odd->code == 0);
}
