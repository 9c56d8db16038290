#include "daemon/proton/armor.hpp"

#include "common/base64.hpp"

#include <optional>
#include <string>

namespace pvpn::proton {
namespace {

Error bad(std::string message) {
    return fail(Errc::invalid_params, std::move(message));
}

} // namespace

std::uint32_t crc24(ByteView data) {
    std::uint32_t crc = 0xB704CE;
    for (auto byte : data) {
        crc ^= std::uint32_t{byte} << 16;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1;
            if (crc & 0x1000000) crc ^= 0x1864CFB;
        }
    }
    return crc & 0xFFFFFF;
}

std::string_view take_line(std::string_view& text) noexcept {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

std::string_view trim_trailing_space(std::string_view line) noexcept {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    return line;
}

bool is_blank(std::string_view text) noexcept {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Result<Dearmored> dearmor(std::string_view text, std::string_view label) {
    std::string const begin = "-----BEGIN PGP " + std::string(label) + "-----";
    std::string const end = "-----END PGP " + std::string(label) + "-----";

    std::string_view line;
    do {
        if (text.empty()) return bad("no \"" + begin + "\" line");
        line = trim_trailing_space(take_line(text));
    } while (line.empty());
    if (line != begin) return bad("expected \"" + begin + "\"");

    // Armor headers ("Version: …", "Comment: …") up to the blank line.
    for (;;) {
        if (text.empty()) return bad("the armor ends inside its headers");
        line = trim_trailing_space(take_line(text));
        if (line.empty()) break;
        if (line.find(": ") == std::string_view::npos) return bad("malformed armor header line");
    }

    std::string body;
    std::optional<std::string_view> checksum;
    for (;;) {
        if (text.empty()) return bad("no \"" + end + "\" line");
        line = trim_trailing_space(take_line(text));
        if (line.starts_with("-----")) {
            if (line != end) return bad("expected \"" + end + "\"");
            break;
        }
        if (checksum) return bad("expected \"" + end + "\" after the armor checksum");
        if (line.starts_with("=") && line.size() == 5) {
            checksum = line.substr(1);
            continue;
        }
        body += line;
    }

    auto data = base64_decode(body);
    if (!data) return bad("the armored data is not valid base64 (" + data.error().message + ")");
    if (data->empty()) return bad("the armor holds no data");
    if (checksum) {
        auto crc = base64_decode(*checksum);
        if (!crc || crc->size() != 3) return bad("unreadable armor checksum");
        std::uint32_t expected = std::uint32_t{(*crc)[0]} << 16 | std::uint32_t{(*crc)[1]} << 8 | (*crc)[2];
        if (crc24(*data) != expected) return bad("the armor checksum does not match (corrupted text)");
    }
    return Dearmored{std::move(*data), text};
}

} // namespace pvpn::proton
