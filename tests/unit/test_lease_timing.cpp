#include "daemon/portfwd/lease_timing.hpp"

#include <catch2/catch.hpp>

using namespace pvpn::portfwd;
using namespace std::chrono_literals;

TEST_CASE("renewal period: the configured one, within 3/4 of the granted lifetime", "[portfwd]") {
    CHECK(next_renew(45s, 60s) == 45s);
    CHECK(next_renew(10s, 60s) == 10s);
    CHECK(next_renew(45s, 20s) == 15s);     // a short lease is renewed sooner
    CHECK(next_renew(45s, 7200s) == 45s);   // a long one no later than configured
    CHECK(next_renew(45s, 1s) == 1s);       // never more often than once a second
    CHECK(next_renew(500ms, 60s) == 1s);
    CHECK(next_renew(45s, 0s) == 45s);      // no lifetime known: the configured period
}

TEST_CASE("retry backoff doubles from 2 s up to its cap", "[portfwd]") {
    CHECK(retry_backoff(1, 60s) == 2s);
    CHECK(retry_backoff(2, 60s) == 4s);
    CHECK(retry_backoff(3, 60s) == 8s);
    CHECK(retry_backoff(5, 60s) == 32s);
    CHECK(retry_backoff(6, 60s) == 60s);
    CHECK(retry_backoff(1000, 60s) == 60s);  // no overflow after many failures
    CHECK(retry_backoff(1, 1s) == 1s);
}

TEST_CASE("while the lease holds, retries fit before it lapses", "[portfwd]") {
    CHECK(retry_while_valid(1, 60s, 15s) == 2s);
    CHECK(retry_while_valid(3, 60s, 15s) == 7500ms);
    CHECK(retry_while_valid(4, 60s, 3s) == 1500ms);
    CHECK(retry_while_valid(4, 60s, 200ms) == 1s);
}
