#include "common/base64.hpp"

#include <array>

namespace pvpn {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return table;
}

constexpr auto reverse = make_reverse();

Error bad(std::string what, std::size_t offset) {
    return fail(Errc::invalid_params, "invalid base64: " + what + " at offset " + std::to_string(offset));
}

} // namespace

std::string base64_encode(ByteView data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        std::uint32_t v = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 | data[i + 2];
        out.push_back(alphabet[v >> 18 & 63]);
        out.push_back(alphabet[v >> 12 & 63]);
        out.push_back(alphabet[v >> 6 & 63]);
        out.push_back(alphabet[v & 63]);
    }
    std::size_t rest = data.size() - i;
    if (rest != 0) {
        std::uint32_t v = std::uint32_t{data[i]} << 16;
        if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
        out.push_back(alphabet[v >> 18 & 63]);
        out.push_back(alphabet[v >> 12 & 63]);
        out.push_back(rest == 2 ? alphabet[v >> 6 & 63] : '=');
        out.push_back('=');
    }
    return out;
}

Result<Bytes> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return bad("length " + std::to_string(text.size()) + " is not a multiple of 4", text.size());
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;

    Bytes out;
    out.reserve(text.size() / 4 * 3);
    std::size_t const data_chars = text.size() - padding;
    std::uint32_t acc = 0;
    for (std::size_t i = 0; i < data_chars; ++i) {
        auto v = reverse[static_cast<unsigned char>(text[i])];
        if (v < 0) return bad(text[i] == '=' ? std::string("misplaced padding") : std::string("invalid character"), i);
        acc = acc << 6 | static_cast<std::uint32_t>(v);
        if (i % 4 == 3) {
            out.push_back(static_cast<std::uint8_t>(acc >> 16));
            out.push_back(static_cast<std::uint8_t>(acc >> 8));
            out.push_back(static_cast<std::uint8_t>(acc));
            acc = 0;
        }
    }
    if (padding == 1) {  // 3 chars = 18 bits: 2 bytes and 2 unused bits
        if ((acc & 0x3) != 0) return bad("non-zero unused bits", data_chars - 1);
        out.push_back(static_cast<std::uint8_t>(acc >> 10));
        out.push_back(static_cast<std::uint8_t>(acc >> 2));
    } else if (padding == 2) {  // 2 chars = 12 bits: 1 byte and 4 unused bits
        if ((acc & 0xf) != 0) return bad("non-zero unused bits", data_chars - 1);
        out.push_back(static_cast<std::uint8_t>(acc >> 4));
    }
    return out;
}

} // namespace pvpn
