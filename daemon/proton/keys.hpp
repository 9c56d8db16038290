// The device's key pair: one Ed25519 key, kept across restarts, that Proton
// certifies (/vpn/v1/certificate) and from which the WireGuard (X25519) key is
// derived. The server derives the same X25519 key from the certified Ed25519
// key, so the two must come from one pair (shared/docs/proton-api.md §4).
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "daemon/proton/openssl.hpp"

#include <array>
#include <filesystem>
#include <string>

namespace pvpn::proton {

/// A persistent Ed25519 key pair. Move-only; OpenSSL wipes the private key
/// when the pair is destroyed. Accessors allocate and may throw only
/// std::bad_alloc-like failures (OpensslError) when memory runs out.
class DeviceKey {
public:
    /// A fresh random key pair.
    static Result<DeviceKey> generate();

    /// The pair whose private key is the 32-byte seed `seed`.
    static Result<DeviceKey> from_seed(ByteView seed);

    /// Parses an unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) Ed25519
    /// key; never prompts for a passphrase.
    static Result<DeviceKey> from_private_pem(std::string_view pem);

    /// Reads a key written by save(). Errc::config_invalid when the file is not such a key.
    static Result<DeviceKey> load(std::filesystem::path const& path);

    /// load(path) when the file exists, else a new pair saved to `path` first.
    static Result<DeviceKey> load_or_create(std::filesystem::path const& path);

    /// Writes private_pem() atomically with mode 0600.
    Result<void> save(std::filesystem::path const& path) const;

    /// The private key as PKCS#8 PEM (what the local agent's TLS client needs). A secret.
    std::string private_pem() const;

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`): the ClientPublicKey of
    /// /vpn/v1/certificate.
    std::string public_pem() const;

    /// The raw 32-byte Ed25519 public key.
    std::array<std::uint8_t, 32> public_raw() const;

    /// The 32-byte private seed.
    SecretBytes seed() const;

    /// WireGuard private key, base64: SHA-512(seed)[0..32] clamped, as libsodium's
    /// crypto_sign_ed25519_sk_to_curve25519 and Proton's clients compute it. A secret.
    std::string wg_private_key() const;

    /// WireGuard public key, base64: X25519 of wg_private_key() (what `wg pubkey` prints).
    std::string wg_public_key() const;

    /// Proton's key fingerprint: x25519_fingerprint of the WireGuard public key, to
    /// compare with a certificate's.
    std::string fingerprint() const;

private:
    explicit DeviceKey(ossl::Pkey key) noexcept : key_(std::move(key)) {}
    SecretBytes wg_private_raw() const;
    std::array<std::uint8_t, 32> wg_public_raw() const;

    ossl::Pkey key_;
};

/// Maps an Ed25519 public key to its X25519 (Montgomery) form, u = (1 + y) / (1 − y)
/// mod 2^255 − 19, as the server does with the certified key. Errc::invalid_params
/// when the input is not 32 bytes or not a usable point encoding.
Result<std::array<std::uint8_t, 32>> ed25519_public_to_x25519(ByteView ed25519_public);

/// base64(SHA-512(x25519_public)): how Proton's Linux client fingerprints a key.
std::string x25519_fingerprint(ByteView x25519_public);

} // namespace pvpn::proton
