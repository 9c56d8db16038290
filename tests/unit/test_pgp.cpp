#include "common/base64.hpp"
#include "daemon/proton/armor.hpp"
#include "daemon/proton/modulus.hpp"
#include "daemon/proton/pgp.hpp"
#include "test_data.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>
#include <vector>

using namespace pvpn;
using namespace pvpn::proton;

namespace {

/// gpg 2.2's export of the test key in tests/data (see tests/data/README.md).
constexpr std::string_view test_key_fingerprint = "0fab5ed9f2f1530c832cf2199421d83f29856ad8";
constexpr std::string_view test_key_raw = "6ec81d7109c608dde1996e635bd099d5ca28d79e33624bb1d3ad2f64e2741e21";

boost::json::object modulus_vector(std::size_t i) {
    return test::read_test_json("srp-vectors.json").at("signed_modulus_vectors").as_array().at(i).as_object();
}

std::string signed_modulus(std::size_t i) {
    return std::string(modulus_vector(i).at("SignedModulus").as_string());
}

std::string to_crlf(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

Bytes packet(std::uint8_t tag, ByteView body) {
    Bytes out{static_cast<std::uint8_t>(0xC0 | tag)};
    if (body.size() < 192) {
        out.push_back(static_cast<std::uint8_t>(body.size()));
    } else {
        std::size_t n = body.size() - 192;
        out.push_back(static_cast<std::uint8_t>((n >> 8) + 192));
        out.push_back(static_cast<std::uint8_t>(n));
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

std::string armor(std::string_view label, ByteView data) {
    std::string text = "-----BEGIN PGP " + std::string(label) + "-----\nVersion: test\n\n";
    std::string b64 = base64_encode(data);
    for (std::size_t i = 0; i < b64.size(); i += 64) text += b64.substr(i, 64) + "\n";
    std::uint32_t crc = crc24(data);
    std::uint8_t const crc_bytes[] = {static_cast<std::uint8_t>(crc >> 16), static_cast<std::uint8_t>(crc >> 8),
                                      static_cast<std::uint8_t>(crc)};
    text += "=" + base64_encode(crc_bytes) + "\n-----END PGP " + std::string(label) + "-----\n";
    return text;
}

void append(Bytes& out, std::initializer_list<std::uint8_t> bytes) {
    out.insert(out.end(), bytes);
}

void append(Bytes& out, ByteView bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

/// Makes OpenPGP keys and cleartext signatures with OpenSSL, bent as each test
/// needs, to reach the refusals that well-formed gpg output never triggers.
class TestSigner {
public:
    struct Options {
        std::uint8_t type = 0x01;
        std::uint8_t algo = 22;
        std::uint8_t hash = 8;
        std::string hash_header = "Hash: SHA256";
        bool creation_time = true;
        bool issuer_fingerprint = true;
        bool issuer_key_id = true;
        Bytes extra_hashed;      ///< Raw subpackets appended to the hashed area.
        Bytes unhashed_key_id;   ///< Overrides the issuer key ID (put in the unhashed area).
        int signature_packets = 1;
        std::string after;       ///< Text after the signature block.
    };

    TestSigner() {
        EVP_PKEY* raw = nullptr;
        std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                         &EVP_PKEY_CTX_free);
        REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
        REQUIRE(EVP_PKEY_keygen(ctx.get(), &raw) == 1);
        key_.reset(raw);
        std::size_t len = 32;
        public_.resize(32);
        REQUIRE(EVP_PKEY_get_raw_public_key(key_.get(), public_.data(), &len) == 1);

        append(key_body_, {0x04, 0x5b, 0xff, 0x00, 0x00, 22, 9, 0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01,
                           0x01, 0x07, 0x40});
        append(key_body_, public_);
        Bytes hashed{0x99, 0, static_cast<std::uint8_t>(key_body_.size())};
        append(hashed, key_body_);
        fingerprint_.resize(SHA_DIGEST_LENGTH);
        SHA1(hashed.data(), hashed.size(), fingerprint_.data());
    }

    Bytes const& fingerprint() const { return fingerprint_; }
    Bytes const& raw_public() const { return public_; }
    std::string armored_key() const { return armor("PUBLIC KEY BLOCK", packet(6, key_body_)); }

    std::string clearsign(std::string_view text) const { return clearsign(text, Options()); }

    /// `text` uses "\n" between lines and has no trailing spaces.
    std::string clearsign(std::string_view text, Options const& o) const {
        std::string canonical = to_crlf(text);
        Bytes sig{0x04, o.type, o.algo, o.hash, 0, 0};
        if (o.creation_time) append(sig, {5, 2, 0x65, 0x00, 0x00, 0x00});
        if (o.issuer_fingerprint) {
            append(sig, {22, 33, 4});
            append(sig, fingerprint_);
        }
        append(sig, o.extra_hashed);
        std::size_t hashed_size = sig.size() - 6;
        sig[4] = static_cast<std::uint8_t>(hashed_size >> 8);
        sig[5] = static_cast<std::uint8_t>(hashed_size);

        Bytes unhashed;
        if (o.issuer_key_id) {
            append(unhashed, {9, 16});
            append(unhashed, o.unhashed_key_id.empty() ? ByteView(fingerprint_).last(8) : ByteView(o.unhashed_key_id));
        }
        std::uint8_t trailer[] = {0x04, 0xFF, 0, 0, static_cast<std::uint8_t>(sig.size() >> 8),
                                  static_cast<std::uint8_t>(sig.size())};
        Bytes to_hash = to_bytes(canonical);
        append(to_hash, sig);
        append(to_hash, trailer);
        Bytes digest(SHA256_DIGEST_LENGTH);
        SHA256(to_hash.data(), to_hash.size(), digest.data());

        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
        Bytes rs(64);
        std::size_t rs_len = rs.size();
        REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1);
        REQUIRE(EVP_DigestSign(ctx.get(), rs.data(), &rs_len, digest.data(), digest.size()) == 1);

        append(sig, {static_cast<std::uint8_t>(unhashed.size() >> 8), static_cast<std::uint8_t>(unhashed.size())});
        append(sig, unhashed);
        append(sig, {digest[0], digest[1], 0x01, 0x00});
        append(sig, ByteView(rs).first(32));
        append(sig, {0x01, 0x00});
        append(sig, ByteView(rs).last(32));

        Bytes packets;
        for (int i = 0; i < o.signature_packets; ++i) append(packets, packet(2, sig));

        std::string message = "-----BEGIN PGP SIGNED MESSAGE-----\n" + o.hash_header + "\n\n";
        std::string_view rest = text;
        while (!rest.empty() || message.back() != '\n') {
            std::string_view line = take_line(rest);
            if (line.starts_with('-')) message += "- ";
            message += std::string(line) + "\n";
        }
        return message + armor("SIGNATURE", packets) + o.after;
    }

private:
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_{nullptr, &EVP_PKEY_free};
    Bytes public_;
    Bytes key_body_;
    Bytes fingerprint_;
};

PgpKey key_of(TestSigner const& signer) {
    auto key = parse_pgp_public_key(signer.armored_key());
    REQUIRE(key.has_value());
    return *key;
}

std::string error_of(Result<std::string> const& result) {
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == Errc::api_error);
    return result.error().message;
}

} // namespace

TEST_CASE("CRC-24 matches RFC 4880", "[pgp]") {
    CHECK(crc24({}) == 0xB704CE);
    CHECK(crc24(to_bytes("123456789")) == 0x21CF02);
}

TEST_CASE("the pinned key is Proton's modulus key", "[pgp]") {
    PgpKey key = pinned_proton_modulus_key();
    CHECK(to_hex(key.fingerprint) == "248097092b458509c508dac0350585c4e9518f26");
    CHECK(to_hex(key.key_id()) == "350585c4e9518f26");
    CHECK(to_hex(key.ed25519) == "16ead65d7c234de9aa8c3ec25e35d5c8a7f4a1fee7f42b662fcbfd7a79338201");
}

TEST_CASE("Proton's genuine signed modulus verifies and decodes", "[pgp]") {
    auto vector = modulus_vector(0);
    std::string const decoded(vector.at("Decoded").as_string());
    auto expected = base64_decode(decoded);
    REQUIRE(expected.has_value());
    REQUIRE(expected->size() == 256);

    auto text = verify_cleartext_signature(signed_modulus(0), pinned_proton_modulus_key());
    REQUIRE(text.has_value());
    CHECK(*text == decoded);

    auto modulus = decode_signed_modulus(signed_modulus(0), pinned_proton_modulus_key());
    REQUIRE(modulus.has_value());
    CHECK(*modulus == *expected);

    SECTION("with CRLF line ends and trailing blank lines") {
        auto crlf = decode_signed_modulus(to_crlf(signed_modulus(0)) + "\r\n\n", pinned_proton_modulus_key());
        REQUIRE(crlf.has_value());
        CHECK(*crlf == *expected);
    }
}

TEST_CASE("the tampered modulus is refused", "[pgp]") {
    auto vector = modulus_vector(1);
    REQUIRE(vector.at("Exception").as_string() == "ValueError");
    auto modulus = decode_signed_modulus(signed_modulus(1), pinned_proton_modulus_key());
    REQUIRE_FALSE(modulus.has_value());
    CHECK(modulus.error().code == Errc::api_error);
    CHECK_THAT(modulus.error().message, Catch::Contains("does not match"));
}

TEST_CASE("gpg's key and signatures interoperate", "[pgp]") {
    auto key = parse_pgp_public_key(test::read_test_data("pgp-test-key.asc"));
    REQUIRE(key.has_value());
    CHECK(to_hex(key->fingerprint) == test_key_fingerprint);
    CHECK(to_hex(key->ed25519) == test_key_raw);

    SECTION("dash-escaping, trailing whitespace and CRLF") {
        std::string const message = test::read_test_data("pgp-test-signed.asc");
        std::string const expected =
            "first line\n- dash line\n-----BEGIN fake-----\nFrom the start\n\ntab\ttrailing\nlast line";
        auto text = verify_cleartext_signature(message, *key);
        REQUIRE(text.has_value());
        CHECK(*text == expected);
        auto crlf = verify_cleartext_signature(to_crlf(message), *key);
        REQUIRE(crlf.has_value());
        CHECK(*crlf == expected);
        CHECK_THAT(error_of(verify_cleartext_signature(message, pinned_proton_modulus_key())),
                   Catch::Contains("made by key"));
    }
    SECTION("the modulus signed by another key is refused") {
        std::string const message = test::read_test_data("pgp-test-modulus.asc");
        CHECK(decode_signed_modulus(message, *key).has_value());
        auto refused = decode_signed_modulus(message, pinned_proton_modulus_key());
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == Errc::api_error);
        CHECK_THAT(refused.error().message, Catch::Contains("9421d83f29856ad8"));
    }
    SECTION("the right issuer with the wrong key bytes fails the Ed25519 check") {
        PgpKey impostor = pinned_proton_modulus_key();
        impostor.ed25519 = key->ed25519;
        CHECK_THAT(error_of(verify_cleartext_signature(signed_modulus(0), impostor)),
                   Catch::Contains("does not match"));
    }
}

TEST_CASE("keys other than v4 Ed25519 are refused", "[pgp]") {
    auto ecdsa = parse_pgp_public_key(test::read_test_data("pgp-ecdsa-key.asc"));
    REQUIRE_FALSE(ecdsa.has_value());
    CHECK(ecdsa.error().code == Errc::config_invalid);
    CHECK_THAT(ecdsa.error().message, Catch::Contains("not an EdDSA key"));

    std::string const good = test::read_test_data("pgp-test-key.asc");
    for (std::string const& text : {std::string(), std::string("garbage"), good + "trailing text",
                                    good.substr(0, good.size() / 2), signed_modulus(0)}) {
        auto key = parse_pgp_public_key(text);
        REQUIRE_FALSE(key.has_value());
        CHECK(key.error().code == Errc::config_invalid);
    }
}

TEST_CASE("a new-format key packet and an OpenSSL-made signature verify", "[pgp]") {
    TestSigner signer;
    PgpKey key = key_of(signer);
    CHECK(Bytes(key.fingerprint.begin(), key.fingerprint.end()) == signer.fingerprint());
    CHECK(Bytes(key.ed25519.begin(), key.ed25519.end()) == signer.raw_public());

    std::string const text = "line one\n-dash\n\nlast";
    auto verified = verify_cleartext_signature(signer.clearsign(text), key);
    REQUIRE(verified.has_value());
    CHECK(*verified == text);

    SECTION("a configured (lab) key decodes its own modulus") {
        Bytes modulus(256, 0xA5);
        auto decoded = decode_signed_modulus(signer.clearsign(base64_encode(modulus)), key);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == modulus);
    }
    SECTION("a signed text that is no 256-byte modulus") {
        for (std::string const& body : {base64_encode(Bytes(255, 1)), base64_encode(Bytes(257, 1)),
                                        std::string("not base64!"), base64_encode(Bytes(256, 1)) + "\nmore"}) {
            auto decoded = decode_signed_modulus(signer.clearsign(body), key);
            REQUIRE_FALSE(decoded.has_value());
            CHECK(decoded.error().code == Errc::api_error);
        }
    }
    SECTION("an unknown non-critical subpacket is ignored") {
        TestSigner::Options o;
        o.extra_hashed = {3, 101, 0x12, 0x34};
        CHECK(verify_cleartext_signature(signer.clearsign(text, o), key).has_value());
    }
}

TEST_CASE("signatures outside the supported sliver are refused", "[pgp]") {
    TestSigner signer;
    PgpKey key = key_of(signer);
    auto refused = [&](TestSigner::Options const& o) {
        return error_of(verify_cleartext_signature(signer.clearsign("text", o), key));
    };
    TestSigner::Options o;
    SECTION("binary signature type") {
        o.type = 0x00;
        CHECK_THAT(refused(o), Catch::Contains("canonical text"));
    }
    SECTION("another public-key algorithm") {
        o.algo = 1;
        CHECK_THAT(refused(o), Catch::Contains("EdDSA"));
    }
    SECTION("another hash in the packet") {
        o.hash = 10;
        CHECK_THAT(refused(o), Catch::Contains("SHA-256"));
    }
    SECTION("another hash in the header") {
        o.hash_header = "Hash: SHA512";
        CHECK_THAT(refused(o), Catch::Contains("SHA512"));
    }
    SECTION("no hash header") {
        o.hash_header = "Comment: hi";
        CHECK_THAT(refused(o), Catch::Contains("header"));
    }
    SECTION("no creation time") {
        o.creation_time = false;
        CHECK_THAT(refused(o), Catch::Contains("creation time"));
    }
    SECTION("no issuer") {
        o.issuer_fingerprint = false;
        o.issuer_key_id = false;
        CHECK_THAT(refused(o), Catch::Contains("issuer"));
    }
    SECTION("an issuer key ID naming another key") {
        o.unhashed_key_id = Bytes(8, 0x42);
        CHECK_THAT(refused(o), Catch::Contains("4242424242424242"));
    }
    SECTION("an unknown critical subpacket") {
        o.extra_hashed = {3, 0x80 | 101, 0x12, 0x34};
        CHECK_THAT(refused(o), Catch::Contains("critical"));
    }
    SECTION("two signature packets") {
        o.signature_packets = 2;
        CHECK_THAT(refused(o), Catch::Contains("exactly one"));
    }
    SECTION("data after the signature block") {
        o.after = "\n-----BEGIN PGP SIGNATURE-----\n";
        CHECK_THAT(refused(o), Catch::Contains("after the signature"));
    }
}

TEST_CASE("malformed, truncated and garbled messages fail cleanly", "[pgp]") {
    std::string const good = signed_modulus(0);
    std::string const decoded(modulus_vector(0).at("Decoded").as_string());
    PgpKey const key = pinned_proton_modulus_key();

    SECTION("fixed breakages") {
        auto replace = [&](std::string_view from, std::string_view to) {
            std::string text = good;
            auto at = text.find(from);
            REQUIRE(at != std::string::npos);
            return text.replace(at, from.size(), to);
        };
        CHECK_THAT(error_of(verify_cleartext_signature(replace("=a1KZ", "=a1KY"), key)), Catch::Contains("checksum"));
        CHECK_THAT(error_of(verify_cleartext_signature(replace("-----END PGP SIGNATURE-----", ""), key)),
                   Catch::Contains("END PGP SIGNATURE"));
        CHECK_THAT(error_of(verify_cleartext_signature(replace("wl4E", "wl4"), key)), Catch::Contains("base64"));
        CHECK_THAT(error_of(verify_cleartext_signature(replace("\n091H", "\n-091H"), key)),
                   Catch::Contains("dash-escaped"));
        CHECK_THAT(error_of(verify_cleartext_signature(good + "trailing", key)), Catch::Contains("after the signature"));
        CHECK(error_of(verify_cleartext_signature("", key)) == "not an OpenPGP signed message");
        CHECK(error_of(verify_cleartext_signature(decoded, key)) == "not an OpenPGP signed message");
        // New-format header with a partial body length (0xE0).
        std::string partial = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nx\n" +
                              armor("SIGNATURE", Bytes{0xC2, 0xE0, 1, 2, 3});
        CHECK_THAT(error_of(verify_cleartext_signature(partial, key)), Catch::Contains("partial-length"));
    }
    SECTION("every truncation") {
        for (std::size_t n = 0; n < good.size() - 1; ++n) {
            INFO("cut at " << n);
            CHECK_FALSE(verify_cleartext_signature(good.substr(0, n), key).has_value());
        }
    }
    SECTION("every single-byte change verifies to the same text or fails") {
        for (std::size_t i = 0; i < good.size(); ++i) {
            for (char c : {'\0', 'A', '-', '\n', '\xff'}) {
                std::string text = good;
                text[i] = c;
                auto result = verify_cleartext_signature(text, key);
                INFO("byte " << i << " set to " << int(c));
                if (result.has_value()) CHECK(*result == decoded);
            }
        }
    }
}
