// WireGuard keys: 32 bytes, written as base64 by `wg` and in .conf files, as
// hex in the UAPI protocol, raw in generic netlink.
#pragma once

#include "common/error.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pvpn::wg {

using RawKey = std::array<std::uint8_t, 32>;

/// Decodes a base64 key; an error (not naming the value: it may be secret)
/// unless it is exactly 32 bytes. `what` names it ("private key").
Result<RawKey> decode_key(std::string_view base64, std::string_view what);

/// Overwrites a key (one that was secret) so that it does not linger in memory.
void wipe_key(RawKey& key) noexcept;

/// The standard base64 form of a key.
std::string encode_key(RawKey const& key);

} // namespace pvpn::wg
