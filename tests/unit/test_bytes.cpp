#include "common/bytes.hpp"

#include <catch2/catch.hpp>

using namespace pvpn;

TEST_CASE("hex round-trips and rejects bad digits", "[bytes]") {
    CHECK(to_hex(Bytes{0x00, 0x0f, 0xa5, 0xff}) == "000fa5ff");
    CHECK(to_hex(Bytes{}) == "");
    CHECK(from_hex("000FA5ff") == Bytes{0x00, 0x0f, 0xa5, 0xff});
    CHECK(from_hex("") == Bytes{});
    CHECK_FALSE(from_hex("abc").has_value());
    CHECK_FALSE(from_hex("0g").has_value());
    CHECK_FALSE(from_hex("0 ").has_value());
}

TEST_CASE("wipe empties buffers and SecretBytes moves its contents", "[bytes]") {
    Bytes b{1, 2, 3};
    wipe(b);
    CHECK(b.empty());
    std::string s = "a password long enough to live on the heap";
    wipe(s);
    CHECK(s.empty());

    SecretBytes secret(Bytes{7, 8, 9});
    SecretBytes moved(std::move(secret));
    CHECK(moved.size() == 3);
    CHECK(moved.view()[2] == 9);
    SecretBytes assigned;
    assigned = std::move(moved);
    CHECK(assigned.size() == 3);
    CHECK(as_bytes("ab").size() == 2);
    CHECK(to_bytes("ab") == Bytes{'a', 'b'});
}
