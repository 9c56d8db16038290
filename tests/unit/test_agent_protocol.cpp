// The local agent's wire format: frames, requests, answers and reason codes in words.
#include "catch_result.hpp"
#include "daemon/agent/agent_protocol.hpp"
#include "daemon/agent/proton_root_ca.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

using namespace pvpn;
using namespace pvpn::agent;
namespace json = boost::json;

TEST_CASE("a frame is a 4-byte big-endian length and the body", "[agent]") {
    auto f = frame(R"({"status-get":{}})");
    REQUIRE(f.size() == 4 + 17);
    CHECK(f.substr(0, 4) == std::string("\0\0\0\x11", 4));
    CHECK(f.substr(4) == R"({"status-get":{}})");
    CHECK(body_length({0, 0, 1, 2}).value() == 258);
    CHECK(body_length({0, 1, 0, 0}).value() == max_message);
    auto too_long = body_length({0, 1, 0, 1});
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error().code == Errc::network);
    CHECK(frame(std::string(300, 'x')).substr(0, 4) == std::string("\0\0\x01\x2c", 4));
}

TEST_CASE("features-set carries only the features that are set", "[agent]") {
    Features f;
    CHECK(empty(f));
    f.port_forwarding = true;
    CHECK_FALSE(empty(f));
    CHECK(json::parse(features_set_message(f)) == json::parse(R"({"features-set":{"port-forwarding":true}})"));
    f.netshield_level = 2;
    f.randomized_nat = false;
    f.split_tcp = true;
    CHECK(json::parse(features_set_message(f)) ==
          json::parse(R"({"features-set":{"port-forwarding":true,"netshield-level":2,"randomized-nat":false,
                                          "split-tcp":true}})"));
    CHECK(status_get_message() == R"({"status-get":{}})");
}

TEST_CASE("a status answer is parsed with its reason and features", "[agent]") {
    auto m = parse_message(R"({"status":{"state":"connected","reason":{"code":86153,"final":false,
        "description":"Port forwarding is not allowed"},"features":{"netshield-level":0,"randomized-nat":true,
        "split-tcp":true,"port-forwarding":false,"jail":false,"bouncing":"0"},
        "connection-details":{"device-ip":"192.0.2.2","server-ipv4":"203.0.113.61"}}})");
    REQUIRE(m);
    auto const* s = std::get_if<Status>(&*m);
    REQUIRE(s);
    CHECK(s->state == "connected");
    REQUIRE(s->reason);
    CHECK(s->reason->code == 86153);
    CHECK_FALSE(s->reason->final);
    CHECK(s->reason->description == "Port forwarding is not allowed");
    CHECK(s->features.port_forwarding == false);
    CHECK(s->features.netshield_level == 0);
    CHECK(s->features.randomized_nat == true);
    CHECK(s->features.split_tcp == true);

    auto plain = parse_message(R"({"status":{"state":"hard-jailed"}})");
    REQUIRE(plain);
    CHECK(std::get<Status>(*plain).state == "hard-jailed");
    CHECK_FALSE(std::get<Status>(*plain).reason);
    CHECK_FALSE(std::get<Status>(*plain).features.port_forwarding);
}

TEST_CASE("an error answer is parsed; anything else is refused", "[agent]") {
    auto m = parse_message(R"({"error":{"code":86202,"description":"unknown feature 'x'"}})");
    REQUIRE(m);
    auto const& e = std::get<AgentError>(*m);
    CHECK(e.code == 86202);
    CHECK(e.description == "unknown feature 'x'");
    for (auto const* bad : {"", "not json", "[]", "{}", R"({"status":1})", R"({"status":{}})",
                            R"({"status":{"state":"connected","reason":{"final":true}}})", R"({"error":{}})",
                            R"({"hello":{}})"}) {
        INFO(bad);
        auto r = parse_message(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
    }
}

TEST_CASE("reason codes and errors read as words", "[agent]") {
    CHECK(reason_words(86153, "whatever") == "torrenting not allowed on this server: use --p2p");
    CHECK(reason_words(86101, "") == "certificate expired");
    CHECK(reason_words(86113, "") == "too many VPN sessions for the Plus plan: disconnect another device");
    CHECK(reason_words(86999, "Something new") == "Something new");
    CHECK(reason_words(86999, "") == "reason 86999");
    CHECK(error_words({86201, "NetShield is not in your plan"}) ==
          "the server's policy refused a requested feature: NetShield is not in your plan");
    CHECK(error_words({86202, "bad value"}) == "the local agent found the feature request malformed: bad value");
    CHECK(error_words({86203, ""}) == "the local agent answered error 86203");
    CHECK(error_words({1, "x"}) == "the local agent answered error 1: x");
}

TEST_CASE("the built-in trust anchor is Proton's self-signed root CA", "[agent]") {
    auto pem = proton_root_ca_pem();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    REQUIRE(bio);
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(cert);
    char name[256];
    X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
    CHECK(std::string(name) == "/C=CH/O=ProtonVPN AG/CN=ProtonVPN Root CA");
    EVP_PKEY* key = X509_get0_pubkey(cert);
    REQUIRE(key);
    CHECK(EVP_PKEY_get_bits(key) == 4096);
    CHECK(X509_verify(cert, key) == 1);  // one wrong character in the PEM would break this
    X509_free(cert);
}
