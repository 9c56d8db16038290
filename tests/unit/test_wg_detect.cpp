#include "daemon/wg/detect.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::wg;

TEST_CASE("the kernel is preferred, wireguard-go is the fallback", "[wg]") {
    CHECK(choose_backend(BackendChoice::automatic, true, true, "/usr/bin/wireguard-go").value() == Backend::kernel);
    CHECK(choose_backend(BackendChoice::automatic, false, true, "/usr/bin/wireguard-go").value() ==
          Backend::wireguard_go);
    CHECK(choose_backend(BackendChoice::wireguard_go, true, true, "/usr/bin/wireguard-go").value() ==
          Backend::wireguard_go);
}

TEST_CASE("a missing backend names what to install", "[wg]") {
    auto none = choose_backend(BackendChoice::automatic, false, false, "/opt/wg/wireguard-go");
    REQUIRE_FALSE(none);
    CHECK(none.error().code == Errc::tunnel_failed);
    CHECK(none.error().message.find("apt install wireguard-go") != std::string::npos);
    CHECK(none.error().message.find("/opt/wg/wireguard-go") != std::string::npos);
    CHECK_FALSE(choose_backend(BackendChoice::kernel, false, true, "x"));
    CHECK_FALSE(choose_backend(BackendChoice::wireguard_go, true, false, "x"));
}
