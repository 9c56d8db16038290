// qBittorrent's WebUI password hash, as qBittorrent itself makes it
// (src/base/utils/password.cpp): PBKDF2-HMAC-SHA512 over the UTF-8 password,
// 100000 iterations, a 16-byte random salt, a 64-byte key, stored in
// qBittorrent.conf as WebUI\Password_PBKDF2="@ByteArray(<b64 salt>:<b64 key>)".
// `pvpn init --qb` computes it in the client, so the ~0.1 s of PBKDF2 never
// runs on the daemon's event loop and the password is not sent again.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

#include <string>
#include <string_view>

namespace pvpn {

/// qBittorrent's parameters (Utils::Password::PBKDF2 in its source).
inline constexpr int qbt_pbkdf2_iterations = 100000;
inline constexpr std::size_t qbt_salt_bytes = 16;  ///< Four random 32-bit words.
inline constexpr std::size_t qbt_key_bytes = 64;   ///< The SHA-512 output size.

/// "@ByteArray(<b64 salt>:<b64 key>)" for `password` with `salt`.
std::string qbt_password_hash(std::string_view password, ByteView salt);

/// The same with a fresh random salt (Errc::internal if no randomness is available).
Result<std::string> qbt_password_hash(std::string_view password);

/// True for a value of the form qbt_password_hash() makes (16-byte salt,
/// 64-byte key, strict base64), the only form the daemon writes.
bool is_qbt_password_hash(std::string_view value);

} // namespace pvpn
