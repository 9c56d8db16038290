// Proton's SRP-6a variant (auth versions 3 and 4), client side.
//
// Proton's flavour (docs: shared/docs/proton-api.md §1.4): every number is
// 256 bytes little-endian, H is four SHA-512 digests glued together, the
// password goes through bcrypt with a salt derived from the account salt, and
// the session key is S itself, unhashed. The server's modulus arrives signed
// (modulus.hpp); this file assumes it has already been verified.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pvpn::proton {

/// Size in bytes of every SRP number on the wire (a 2048-bit group).
inline constexpr std::size_t srp_bytes = 256;

/// Proton's hash H: SHA-512(data‖0) ‖ SHA-512(data‖1) ‖ SHA-512(data‖2) ‖ SHA-512(data‖3), 256 bytes.
Bytes expand_hash(ByteView data);

/// The secret x for auth versions 3 and 4: H(bcrypt($2y$10$, salt‖"proton") ‖ modulus), as
/// 256 little-endian bytes. `salt_b64` is the account's 10-byte salt from /auth/info;
/// `modulus` the 256 verified modulus bytes. An empty password (or one holding a NUL byte,
/// which bcrypt would cut short) is refused.
Result<SecretBytes> hash_password(std::string_view password, std::string_view salt_b64, ByteView modulus);

/// The verifier v = g^x mod N (256 bytes LE) that the server stores; only account
/// creation needs it, the tests use it to check hash_password against Proton's vectors.
Result<Bytes> compute_verifier(std::string_view password, std::string_view salt_b64, ByteView modulus);

/// Every value of one exchange. make_proofs keeps only what goes on the wire; the
/// tests compare the rest with the published vector.
struct Exchange {
    Bytes client_ephemeral;       ///< A
    Bytes multiplier;             ///< k
    Bytes scrambler;              ///< u
    SecretBytes shared_key;       ///< K = S, not hashed in Proton's variant
    Bytes client_proof;           ///< M1
    Bytes expected_server_proof;  ///< M2
};

/// Runs the client side of the exchange from x (hash_password) and the server's
/// ephemeral B, both 256 bytes LE. Checks the group as go-srp does (2048-bit N,
/// N ≡ 3 mod 8, (N−1)/2 prime, g = 2 of order (N−1)/2, 1 < k < N−1) and B (1 < B < N−1).
/// `fixed_secret_a` (LE) replaces the random secret a, for test vectors only.
Result<Exchange> compute_exchange(ByteView password_hash_x, ByteView modulus, ByteView server_ephemeral,
                                  std::optional<ByteView> fixed_secret_a = std::nullopt);

/// What /auth needs, and what its ServerProof must equal.
struct Proofs {
    std::string client_ephemeral_b64;
    std::string client_proof_b64;
    std::string expected_server_proof_b64;
};

/// The whole client side for one login: checks `version` (3 and 4 are Proton's
/// current scheme; older accounts must log in once on the web to upgrade),
/// hashes the password and runs the exchange. `username` is not part of the
/// v3/v4 hash, only checked non-empty. Failures are Errc::auth_failed (legacy
/// version), Errc::invalid_params (empty password or user name) or
/// Errc::api_error (Proton sent an unusable salt, modulus or ephemeral).
Result<Proofs> make_proofs(std::string_view username, std::string_view password, int version,
                           std::string_view salt_b64, ByteView modulus, std::string_view server_ephemeral_b64,
                           std::optional<ByteView> fixed_secret_a = std::nullopt);

/// True when the server's proof (base64) equals the expected one; compares in
/// constant time. A login must be abandoned when this is false.
bool verify_server_proof(Proofs const& proofs, std::string_view server_proof_b64);

} // namespace pvpn::proton
