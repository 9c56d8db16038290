#include "common/qbt_password.hpp"

#include "common/base64.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

namespace pvpn {

namespace {

constexpr std::string_view prefix = "@ByteArray(";

} // namespace

std::string qbt_password_hash(std::string_view password, ByteView salt) {
    std::array<std::uint8_t, qbt_key_bytes> key{};
    // Only a failed allocation inside OpenSSL can make this fail.
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), qbt_pbkdf2_iterations, EVP_sha512(),
                          static_cast<int>(key.size()), key.data()) != 1)
        return {};
    return std::string(prefix) + base64_encode(salt) + ":" + base64_encode(key) + ")";
}

Result<std::string> qbt_password_hash(std::string_view password) {
    std::array<std::uint8_t, qbt_salt_bytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        return fail(Errc::internal, "no randomness for the password salt");
    auto out = qbt_password_hash(password, salt);
    if (out.empty()) return fail(Errc::internal, "PBKDF2 failed");
    return out;
}

bool is_qbt_password_hash(std::string_view value) {
    if (!value.starts_with(prefix) || !value.ends_with(")")) return false;
    value = value.substr(prefix.size(), value.size() - prefix.size() - 1);
    auto colon = value.find(':');
    if (colon == std::string_view::npos) return false;
    auto salt = base64_decode(value.substr(0, colon));
    auto key = base64_decode(value.substr(colon + 1));
    return salt && key && salt->size() == qbt_salt_bytes && key->size() == qbt_key_bytes;
}

} // namespace pvpn
