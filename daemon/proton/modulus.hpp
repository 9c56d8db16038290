// The SRP modulus as Proton delivers it: one base64 line, clear-signed with
// OpenPGP by Proton's modulus key, so that a man in the middle cannot swap
// in a group of its own choosing.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "daemon/proton/pgp.hpp"

#include <string_view>

namespace pvpn::proton {

/// Verifies `clearsigned` (the `Modulus` field of /auth/info) against `key`
/// (normally pinned_proton_modulus_key()) and returns the 256 modulus bytes
/// (little-endian, as srp.hpp takes them). Errc::api_error, naming the reason,
/// when the signature, the base64 or the size is wrong.
Result<Bytes> decode_signed_modulus(std::string_view clearsigned, PgpKey const& key);

} // namespace pvpn::proton
