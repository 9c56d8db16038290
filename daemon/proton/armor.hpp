// OpenPGP ASCII armor (RFC 4880 §6): the text wrapping around keys and
// signatures, with its CRC-24 checksum.
#pragma once

#include "common/bytes.hpp"
#include "common/error.hpp"

#include <cstdint>
#include <string_view>

namespace pvpn::proton {

/// The armor checksum: CRC-24 with RFC 4880's initial value and polynomial.
std::uint32_t crc24(ByteView data);

/// Takes the next line off the front of `text` and returns it without its
/// LF or CRLF; the last line needs no line break.
std::string_view take_line(std::string_view& text) noexcept;

/// `line` without trailing spaces and tabs (OpenPGP ignores them).
std::string_view trim_trailing_space(std::string_view line) noexcept;

/// True when `text` holds nothing but whitespace.
bool is_blank(std::string_view text) noexcept;

/// A decoded armor block and the text after its END line.
struct Dearmored {
    Bytes data;
    std::string_view rest;
};

/// Decodes the block `-----BEGIN PGP <label>-----` … `-----END PGP <label>-----`
/// at the start of `text` (blank lines before it are skipped): armor headers, a
/// blank line, base64 lines, then the optional `=` CRC-24 line, which must match
/// when present. Errors (Errc::invalid_params) say what is wrong, never crash.
Result<Dearmored> dearmor(std::string_view text, std::string_view label);

} // namespace pvpn::proton
