// The sliver of OpenPGP (RFC 4880, EdDSA as Proton uses it) needed to trust
// Proton's SRP modulus: an Ed25519 public key, and a cleartext-signed message
// checked against it. Anything outside that sliver is refused, not guessed at.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pvpn::proton {

/// A v4 EdDSA (algorithm 22, curve Ed25519) OpenPGP public key.
struct PgpKey {
    std::array<std::uint8_t, 32> ed25519{};     ///< The raw Ed25519 public key.
    std::array<std::uint8_t, 20> fingerprint{};  ///< v4 fingerprint: SHA-1(0x99 ‖ BE16(len) ‖ key packet body).

    /// The key ID signatures name as their issuer: the fingerprint's last 8 bytes.
    std::array<std::uint8_t, 8> key_id() const noexcept;
};

/// Reads the primary key of an ASCII-armored public key block (`-----BEGIN PGP
/// PUBLIC KEY BLOCK-----`); user IDs, self-signatures and subkeys after it are
/// framed-checked and ignored (the key is trusted because it is pinned or
/// configured, not because of its certifications). Errc::config_invalid on
/// anything else, e.g. an RSA key.
Result<PgpKey> parse_pgp_public_key(std::string_view armored);

/// Checks a cleartext-signed message (`-----BEGIN PGP SIGNED MESSAGE-----`, Hash:
/// SHA256, one v4 EdDSA signature of type 0x01 by `key`) and returns the signed
/// text: dash-escaping undone, trailing spaces and tabs removed, lines joined
/// with "\n". Refuses other hash or key algorithms, a signature naming another
/// issuer, and anything but whitespace after the signature block
/// (Errc::api_error, with the reason).
Result<std::string> verify_cleartext_signature(std::string_view message, PgpKey const& key);

/// The key Proton signs SRP moduli with (user ID proton@srp.modulus,
/// fingerprint 248097092b458509c508dac0350585c4e9518f26), pinned as the raw
/// Ed25519 key and fingerprint the official clients embed.
PgpKey pinned_proton_modulus_key();

} // namespace pvpn::proton
