#include "catch_result.hpp"
#include "daemon/net/http_client.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;

TEST_CASE("plain HTTP base URLs", "[http]") {
    auto u = net::parse_http_url("http://127.0.0.1:8080/");
    REQUIRE(u);
    CHECK(u->host == "127.0.0.1");
    CHECK(u->port == "8080");
    CHECK(u->prefix.empty());
    auto v = net::parse_http_url("http://[::1]/qb");
    REQUIRE(v);
    CHECK(v->host == "::1");
    CHECK(v->port == "80");
    CHECK(v->prefix == "/qb");
    CHECK(net::parse_http_url("https://127.0.0.1:8080").error().code == Errc::config_invalid);
    CHECK_FALSE(net::parse_http_url("http://:8080"));
    CHECK_FALSE(net::parse_http_url("http://host:0"));
    CHECK_FALSE(net::parse_http_url("http://user:pw@host"));
    CHECK(net::is_loopback_host("127.0.0.1"));
    CHECK(net::is_loopback_host("::1"));
    CHECK(net::is_loopback_host("localhost"));
    CHECK_FALSE(net::is_loopback_host("192.0.2.2"));
}

TEST_CASE("form encoding escapes everything but the unreserved characters", "[http]") {
    CHECK(net::form_encode({{"json", R"({"listen_port":45111})"}}) == "json=%7B%22listen_port%22%3A45111%7D");
    CHECK(net::form_encode({{"username", "admin"}, {"password", "p&ss w=rd"}}) ==
          "username=admin&password=p%26ss%20w%3Drd");
    CHECK(net::form_encode({{"hashes", "ab|cd"}}) == "hashes=ab%7Ccd");
}
