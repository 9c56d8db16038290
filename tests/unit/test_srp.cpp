#include "common/base64.hpp"
#include "daemon/proton/srp.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>
#include <openssl/bn.h>
#include <openssl/sha.h>

#include <memory>

using namespace pvpn;
using namespace pvpn::proton;

namespace {

std::string str(boost::json::value const& v) {
    return std::string(v.as_string());
}

Bytes hex(boost::json::value const& v) {
    auto bytes = from_hex(v.as_string());
    REQUIRE(bytes.has_value());
    return *bytes;
}

Bytes b64(std::string_view text) {
    auto bytes = base64_decode(text);
    REQUIRE(bytes.has_value());
    return *bytes;
}

/// The login vector of shared/docs/srp-test-vector.json.
struct LoginVector {
    boost::json::object o = test::read_test_json("srp-test-vector.json").as_object();
    Bytes modulus = hex(o.at("ModulusHex"));
    std::string salt = str(o.at("Salt"));
    std::string server_ephemeral = str(o.at("ServerEphemeral_B"));
    Bytes a = hex(o.at("client_secret_a_LE_hex"));
};

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

BnPtr le(ByteView bytes) {
    return {BN_lebin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr), &BN_free};
}

/// The server's side: S = (A · v^u)^b mod N, to check exchanges with a random a.
Bytes server_secret(ByteView modulus, ByteView verifier, ByteView a_pub, ByteView u, ByteView b) {
    BnPtr n = le(modulus), v = le(verifier), big_a = le(a_pub), un = le(u), bn = le(b);
    BnPtr t(BN_new(), &BN_free), s(BN_new(), &BN_free);
    std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), &BN_CTX_free);
    REQUIRE(BN_mod_exp(t.get(), v.get(), un.get(), n.get(), ctx.get()) == 1);
    REQUIRE(BN_mod_mul(t.get(), t.get(), big_a.get(), n.get(), ctx.get()) == 1);
    REQUIRE(BN_mod_exp(s.get(), t.get(), bn.get(), n.get(), ctx.get()) == 1);
    Bytes out(srp_bytes);
    REQUIRE(BN_bn2lebinpad(s.get(), out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size()));
    return out;
}

} // namespace

TEST_CASE("expand_hash is four SHA-512 digests with suffix bytes 0..3", "[srp]") {
    Bytes input = to_bytes("abc");
    Bytes h = expand_hash(input);
    REQUIRE(h.size() == 256);
    for (std::uint8_t i = 0; i < 4; ++i) {
        Bytes block = input;
        block.push_back(i);
        Bytes d(SHA512_DIGEST_LENGTH);
        SHA512(block.data(), block.size(), d.data());
        CHECK(Bytes(h.begin() + i * 64, h.begin() + (i + 1) * 64) == d);
    }
}

TEST_CASE("all Proton verifier vectors, including the refused empty password", "[srp]") {
    auto vectors = test::read_test_json("srp-vectors.json").at("verifier_vectors").as_array();
    REQUIRE(vectors.size() == 12);
    int refused = 0;
    for (auto const& value : vectors) {
        auto const& v = value.as_object();
        INFO("vector " << str(v.at("Username")));
        auto verifier = compute_verifier(str(v.at("Password")), str(v.at("Salt")), hex(v.at("Modulus")));
        if (v.at("Exception").is_null()) {
            REQUIRE(verifier.has_value());
            CHECK(base64_encode(*verifier) == str(v.at("Verifier")));
        } else {
            REQUIRE_FALSE(verifier.has_value());
            CHECK(verifier.error().code == Errc::invalid_params);
            ++refused;
        }
    }
    CHECK(refused == 1);
}

TEST_CASE("the full login vector matches byte for byte with the fixed a", "[srp]") {
    LoginVector lv;
    auto x = hash_password("test", lv.salt, lv.modulus);
    REQUIRE(x.has_value());
    auto ex = compute_exchange(x->view(), lv.modulus, b64(lv.server_ephemeral), ByteView(lv.a));
    REQUIRE(ex.has_value());
    CHECK(base64_encode(ex->client_ephemeral) == str(lv.o.at("ClientEphemeral_A")));
    CHECK(ex->multiplier == hex(lv.o.at("k_LE_hex")));
    CHECK(ex->scrambler == hex(lv.o.at("u_LE_hex")));
    CHECK(base64_encode(ex->shared_key.view()) == str(lv.o.at("SharedSecret_S_K")));
    CHECK(base64_encode(ex->client_proof) == str(lv.o.at("ClientProof_M1")));
    CHECK(base64_encode(ex->expected_server_proof) == str(lv.o.at("ServerProof_M2")));

    auto proofs = make_proofs("test", "test", 4, lv.salt, lv.modulus, lv.server_ephemeral, ByteView(lv.a));
    REQUIRE(proofs.has_value());
    CHECK(proofs->client_ephemeral_b64 == str(lv.o.at("ClientEphemeral_A")));
    CHECK(proofs->client_proof_b64 == str(lv.o.at("ClientProof_M1")));
    CHECK(proofs->expected_server_proof_b64 == str(lv.o.at("ServerProof_M2")));

    SECTION("version 3 is the same scheme") {
        auto v3 = make_proofs("test", "test", 3, lv.salt, lv.modulus, lv.server_ephemeral, ByteView(lv.a));
        REQUIRE(v3.has_value());
        CHECK(v3->client_proof_b64 == proofs->client_proof_b64);
    }
    SECTION("the server proof is checked") {
        CHECK(verify_server_proof(*proofs, str(lv.o.at("ServerProof_M2"))));
        Bytes wrong = b64(str(lv.o.at("ServerProof_M2")));
        wrong[100] ^= 1;
        CHECK_FALSE(verify_server_proof(*proofs, base64_encode(wrong)));
        wrong.pop_back();
        CHECK_FALSE(verify_server_proof(*proofs, base64_encode(wrong)));
        CHECK_FALSE(verify_server_proof(*proofs, ""));
        CHECK_FALSE(verify_server_proof(*proofs, "not base64!"));
        CHECK_FALSE(verify_server_proof(*proofs, str(lv.o.at("ClientProof_M1"))));
    }
    SECTION("a wrong password gives another proof") {
        auto other = make_proofs("test", "Test", 4, lv.salt, lv.modulus, lv.server_ephemeral, ByteView(lv.a));
        REQUIRE(other.has_value());
        CHECK(other->client_proof_b64 != proofs->client_proof_b64);
    }
}

TEST_CASE("a random a gives a fresh A whose key the server derives too", "[srp]") {
    LoginVector lv;
    Bytes b = hex(lv.o.at("server_secret_b_LE_hex"));
    auto verifier = compute_verifier("test", lv.salt, lv.modulus);
    REQUIRE(verifier.has_value());
    CHECK(base64_encode(*verifier) == str(lv.o.at("Verifier")));
    auto x = hash_password("test", lv.salt, lv.modulus);
    REQUIRE(x.has_value());
    auto first = compute_exchange(x->view(), lv.modulus, b64(lv.server_ephemeral));
    auto second = compute_exchange(x->view(), lv.modulus, b64(lv.server_ephemeral));
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->client_ephemeral != second->client_ephemeral);
    for (auto const* ex : {&*first, &*second}) {
        Bytes server_key = server_secret(lv.modulus, *verifier, ex->client_ephemeral, ex->scrambler, b);
        CHECK(server_key == Bytes(ex->shared_key.view().begin(), ex->shared_key.view().end()));
    }
}

TEST_CASE("SRP refuses bad versions, inputs and server values", "[srp]") {
    LoginVector lv;
    auto proofs = [&](int version, std::string_view user, std::string_view password, ByteView modulus,
                      std::string_view salt, std::string_view server_ephemeral) {
        return make_proofs(user, password, version, salt, modulus, server_ephemeral, ByteView(lv.a));
    };
    auto code = [](auto const& result) {
        REQUIRE_FALSE(result.has_value());
        return result.error().code;
    };

    SECTION("legacy and unknown auth versions") {
        auto legacy = proofs(2, "test", "test", lv.modulus, lv.salt, lv.server_ephemeral);
        CHECK(code(legacy) == Errc::auth_failed);
        CHECK_THAT(legacy.error().message, Catch::Contains("log in once"));
        CHECK(code(proofs(0, "test", "test", lv.modulus, lv.salt, lv.server_ephemeral)) == Errc::auth_failed);
        CHECK(code(proofs(5, "test", "test", lv.modulus, lv.salt, lv.server_ephemeral)) == Errc::app_outdated);
    }
    SECTION("empty credentials, NUL in the password") {
        CHECK(code(proofs(4, "test", "", lv.modulus, lv.salt, lv.server_ephemeral)) == Errc::invalid_params);
        CHECK(code(proofs(4, "", "test", lv.modulus, lv.salt, lv.server_ephemeral)) == Errc::invalid_params);
        CHECK(code(proofs(4, "test", std::string_view("te\0st", 5), lv.modulus, lv.salt, lv.server_ephemeral)) ==
              Errc::invalid_params);
    }
    SECTION("bad salt") {
        CHECK(code(proofs(4, "test", "test", lv.modulus, "Jl54BOeNTVl8", lv.server_ephemeral)) == Errc::api_error);
        CHECK(code(proofs(4, "test", "test", lv.modulus, "Jl54BOeNTVl8Ng=", lv.server_ephemeral)) ==
              Errc::api_error);
        CHECK(code(proofs(4, "test", "test", lv.modulus, "", lv.server_ephemeral)) == Errc::api_error);
    }
    SECTION("bad server ephemeral") {
        Bytes n = lv.modulus;
        Bytes n_minus_1 = n;
        n_minus_1[0] -= 1;  // N is odd: no borrow
        Bytes zero(256, 0), one(256, 0);
        one[0] = 1;
        for (Bytes const& b : {zero, one, n, n_minus_1, Bytes(256, 0xff)})
            CHECK(code(proofs(4, "test", "test", lv.modulus, lv.salt, base64_encode(b))) == Errc::api_error);
        Bytes short_b = b64(lv.server_ephemeral);
        short_b.pop_back();
        CHECK(code(proofs(4, "test", "test", lv.modulus, lv.salt, base64_encode(short_b))) == Errc::api_error);
        CHECK(code(proofs(4, "test", "test", lv.modulus, lv.salt, "%%%%")) == Errc::api_error);
    }
    SECTION("bad modulus") {
        Bytes short_n(lv.modulus.begin(), lv.modulus.end() - 1);
        CHECK(code(proofs(4, "test", "test", short_n, lv.salt, lv.server_ephemeral)) == Errc::api_error);
        Bytes small = lv.modulus;  // 2047 bits
        small.back() &= 0x7f;
        CHECK(code(proofs(4, "test", "test", small, lv.salt, lv.server_ephemeral)) == Errc::api_error);
        Bytes wrong_form = lv.modulus;  // 7 mod 8
        wrong_form[0] ^= 0x04;
        CHECK(code(proofs(4, "test", "test", wrong_form, lv.salt, lv.server_ephemeral)) == Errc::api_error);
        Bytes not_safe = lv.modulus;  // still 3 mod 8, no longer a safe prime
        not_safe[1] ^= 0x01;
        auto refused = proofs(4, "test", "test", not_safe, lv.salt, lv.server_ephemeral);
        CHECK(code(refused) == Errc::api_error);
        CHECK_THAT(refused.error().message, Catch::Contains("safe prime"));
    }
}
