#include "common/base64.hpp"
#include "daemon/proton/keys.hpp"

#include <catch2/catch.hpp>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace pvpn;
using namespace pvpn::proton;
namespace fs = std::filesystem;

namespace {

// RFC 8032 §7.1, test 1; the WireGuard values were checked with `wg pubkey`.
constexpr std::string_view rfc8032_seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view rfc8032_public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view rfc8032_wg_private = "MHyDhk8oM8tCei7xwAoBPP3/J2jZgMCjpSDwBpBN6U8=";
constexpr std::string_view rfc8032_wg_public = "2F4H7CKwrYgVN8L0TWYtGhQ8+DDFespDBdhcepD2ti4=";

/// A private directory removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "pvpn-keys-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

DeviceKey rfc8032_key() {
    auto key = DeviceKey::from_seed(*from_hex(rfc8032_seed));
    REQUIRE(key.has_value());
    return std::move(*key);
}

/// The DER inside a PEM block.
Bytes pem_der(std::string const& pem, std::string_view label) {
    std::string const begin = "-----BEGIN " + std::string(label) + "-----\n";
    std::string const end = "-----END " + std::string(label) + "-----\n";
    REQUIRE(pem.starts_with(begin));
    REQUIRE(pem.ends_with(end));
    std::string body = pem.substr(begin.size(), pem.size() - begin.size() - end.size());
    std::erase(body, '\n');
    auto der = base64_decode(body);
    REQUIRE(der.has_value());
    return *der;
}

Bytes cat(std::string_view hex_prefix, ByteView rest) {
    Bytes out = *from_hex(hex_prefix);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

/// What `wg pubkey` prints for `private_b64`, or nullopt when wireguard-tools is missing.
std::optional<std::string> wg_pubkey(std::string const& private_b64) {
    if (access("/usr/bin/wg", X_OK) != 0) return std::nullopt;
    std::string const command = "printf '%s\\n' '" + private_b64 + "' | /usr/bin/wg pubkey";
    std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), &pclose);
    REQUIRE(pipe != nullptr);
    std::array<char, 128> buffer{};
    std::string out;
    while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) out += buffer.data();
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

} // namespace

TEST_CASE("the RFC 8032 seed gives the RFC's public key and Proton's WireGuard keys", "[keys]") {
    DeviceKey key = rfc8032_key();
    CHECK(to_hex(key.public_raw()) == rfc8032_public);
    CHECK(to_hex(key.seed().view()) == rfc8032_seed);
    CHECK(key.wg_private_key() == rfc8032_wg_private);
    CHECK(key.wg_public_key() == rfc8032_wg_public);

    auto x25519 = ed25519_public_to_x25519(*from_hex(rfc8032_public));
    REQUIRE(x25519.has_value());
    CHECK(base64_encode(*x25519) == rfc8032_wg_public);

    auto raw_wg_public = base64_decode(rfc8032_wg_public);
    REQUIRE(raw_wg_public.has_value());
    Bytes sha(SHA512_DIGEST_LENGTH);
    SHA512(raw_wg_public->data(), raw_wg_public->size(), sha.data());
    CHECK(key.fingerprint() == base64_encode(sha));
    CHECK(x25519_fingerprint(*raw_wg_public) == key.fingerprint());
}

TEST_CASE("PEM encodings are the SPKI and PKCS#8 forms Proton's clients use", "[keys]") {
    DeviceKey key = rfc8032_key();
    auto pub = key.public_raw();
    CHECK(pem_der(key.public_pem(), "PUBLIC KEY") == cat("302a300506032b6570032100", pub));
    CHECK(pem_der(key.private_pem(), "PRIVATE KEY") == cat("302e020100300506032b657004220420", key.seed().view()));

    auto again = DeviceKey::from_private_pem(key.private_pem());
    REQUIRE(again.has_value());
    CHECK(again->public_raw() == pub);
}

TEST_CASE("generated keys: X25519 by OpenSSL, by the birational map and by wg agree", "[keys]") {
    bool have_wg = access("/usr/bin/wg", X_OK) == 0;
    if (!have_wg) WARN("wireguard-tools not installed: skipping the `wg pubkey` comparison");
    std::string previous;
    for (int i = 0; i < 6; ++i) {
        auto key = DeviceKey::generate();
        REQUIRE(key.has_value());
        auto mapped = ed25519_public_to_x25519(key->public_raw());
        REQUIRE(mapped.has_value());
        std::string const wg_public = key->wg_public_key();
        CHECK(base64_encode(*mapped) == wg_public);
        if (auto by_wg = wg_pubkey(key->wg_private_key())) CHECK(*by_wg == wg_public);
        CHECK(wg_public != previous);
        previous = wg_public;

        auto private_raw = base64_decode(key->wg_private_key());
        REQUIRE(private_raw.has_value());
        REQUIRE(private_raw->size() == 32);
        CHECK(((*private_raw)[0] & 0x07) == 0);
        CHECK(((*private_raw)[31] & 0xC0) == 0x40);
    }
}

TEST_CASE("the birational map refuses what is not a usable point", "[keys]") {
    CHECK(ed25519_public_to_x25519(Bytes(31, 1)).error().code == Errc::invalid_params);
    Bytes identity(32, 0);  // y = 1
    identity[0] = 1;
    CHECK_FALSE(ed25519_public_to_x25519(identity).has_value());
    Bytes too_big(32, 0xff);  // y ≥ p
    too_big[31] = 0x7f;
    CHECK_FALSE(ed25519_public_to_x25519(too_big).has_value());
    CHECK(DeviceKey::from_seed(Bytes(31, 1)).error().code == Errc::invalid_params);
}

TEST_CASE("the device key persists with mode 0600", "[keys]") {
    TempDir dir;
    fs::path const path = dir.path / "device.pem";

    auto created = DeviceKey::load_or_create(path);
    REQUIRE(created.has_value());
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto loaded = DeviceKey::load_or_create(path);
    REQUIRE(loaded.has_value());
    CHECK(loaded->public_raw() == created->public_raw());
    CHECK(loaded->wg_private_key() == created->wg_private_key());

    DeviceKey other = rfc8032_key();
    REQUIRE(other.save(path).has_value());
    auto replaced = DeviceKey::load(path);
    REQUIRE(replaced.has_value());
    CHECK(to_hex(replaced->public_raw()) == rfc8032_public);
}

TEST_CASE("unusable key files are refused without a prompt", "[keys]") {
    TempDir dir;
    auto load_text = [&](std::string const& text) {
        fs::path const path = dir.path / "key.pem";
        std::ofstream(path) << text;
        return DeviceKey::load(path);
    };

    CHECK_FALSE(DeviceKey::load(dir.path / "missing.pem").has_value());
    auto garbage = load_text("not a key\n");
    REQUIRE_FALSE(garbage.has_value());
    CHECK(garbage.error().code == Errc::config_invalid);
    CHECK_FALSE(load_text("").has_value());
    std::string const good = rfc8032_key().private_pem();
    CHECK_FALSE(load_text(good.substr(0, good.size() / 2)).has_value());
    CHECK_FALSE(load_text(rfc8032_key().public_pem()).has_value());

    SECTION("another key type") {
        std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"),
                                                                   &EVP_PKEY_free);
        REQUIRE(x25519 != nullptr);
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        REQUIRE(PEM_write_bio_PrivateKey(bio.get(), x25519.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
        char* data = nullptr;
        long size = BIO_get_mem_data(bio.get(), &data);
        auto refused = load_text(std::string(data, static_cast<std::size_t>(size)));
        REQUIRE_FALSE(refused.has_value());
        CHECK_THAT(refused.error().message, Catch::Contains("not an Ed25519 key"));
    }
    SECTION("an encrypted key") {
        auto key = DeviceKey::generate();
        REQUIRE(key.has_value());
        std::string const pem = key->private_pem();
        std::unique_ptr<BIO, decltype(&BIO_free)> src(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                      &BIO_free);
        std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
            PEM_read_bio_PrivateKey(src.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
        REQUIRE(pkey != nullptr);
        std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
        char passphrase[] = "secret";
        REQUIRE(PEM_write_bio_PKCS8PrivateKey(out.get(), pkey.get(), EVP_aes_256_cbc(), passphrase, 6, nullptr,
                                              nullptr) == 1);
        char* data = nullptr;
        long size = BIO_get_mem_data(out.get(), &data);
        auto refused = load_text(std::string(data, static_cast<std::size_t>(size)));
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == Errc::config_invalid);
    }
}
