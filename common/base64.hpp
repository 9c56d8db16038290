// Standard base64 (RFC 4648 §4, with padding), as Proton's API and OpenPGP
// armor use it.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

#include <string>
#include <string_view>

namespace pvpn {

/// Encodes with the standard alphabet and '=' padding.
std::string base64_encode(ByteView data);

/// Decodes strictly: only the standard alphabet, length a multiple of 4,
/// padding only at the end, unused trailing bits zero, no whitespace. Anything
/// else is Errc::invalid_params with the offending position, so a corrupted
/// value never decodes to different bytes silently.
Result<Bytes> base64_decode(std::string_view text);

} // namespace pvpn
