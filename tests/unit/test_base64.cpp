#include "common/base64.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;

TEST_CASE("base64 encodes the RFC 4648 vectors", "[base64]") {
    CHECK(base64_encode(to_bytes("")) == "");
    CHECK(base64_encode(to_bytes("f")) == "Zg==");
    CHECK(base64_encode(to_bytes("fo")) == "Zm8=");
    CHECK(base64_encode(to_bytes("foo")) == "Zm9v");
    CHECK(base64_encode(to_bytes("foob")) == "Zm9vYg==");
    CHECK(base64_encode(to_bytes("fooba")) == "Zm9vYmE=");
    CHECK(base64_encode(to_bytes("foobar")) == "Zm9vYmFy");
    CHECK(base64_encode(Bytes{0xfb, 0xff, 0xbf}) == "+/+/");
}

TEST_CASE("base64 decodes what it encodes", "[base64]") {
    for (std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        auto decoded = base64_decode(base64_encode(to_bytes(text)));
        REQUIRE(decoded.has_value());
        CHECK(*decoded == to_bytes(text));
    }
    Bytes all(256);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
    for (std::size_t n = 0; n <= all.size(); ++n) {
        Bytes part(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
        auto decoded = base64_decode(base64_encode(part));
        REQUIRE(decoded.has_value());
        CHECK(*decoded == part);
    }
}

TEST_CASE("base64 decoding is strict", "[base64]") {
    using namespace std::string_view_literals;
    std::string_view const inputs[] = {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Z=g=", "Zm9v\n", " Zm9v",
                                       "Zm9v YmFy", "Zm-v", "Zm_v", "Zh==", "Zm9=", "Zm8=\0\0\0\0"sv, "Zm\0v"sv};
    for (std::string_view bad : inputs) {
        INFO("input: " << bad);
        auto decoded = base64_decode(bad);
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error().code == Errc::invalid_params);
        CHECK_THAT(decoded.error().message, Catch::StartsWith("invalid base64"));
    }
    CHECK_THAT(base64_decode("Zm*v").error().message, Catch::Contains("offset 2"));
    CHECK_THAT(base64_decode("Zh==").error().message, Catch::Contains("unused bits"));
}
