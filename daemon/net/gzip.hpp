// gzip (RFC 1952) bodies of HTTP replies, decoded with Beast's header-only
// inflater (no zlib dependency). Proton's server list is about 13 MB as JSON
// and a third of that gzipped: fewer bytes and fewer TCP round trips.
#pragma once

#include "common/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace pvpn::net {

/// The data of the first gzip member in `data`: checks the header, inflates,
/// then checks the CRC-32 and the length in the trailer. Malformed input, or
/// more than `max_size` bytes of output, is Errc::network with the reason.
Result<std::string> gunzip(std::string_view data, std::size_t max_size);

/// CRC-32 (the IEEE 802.3 polynomial, as gzip uses it) of `data`.
std::uint32_t crc32(std::string_view data);

} // namespace pvpn::net
