#include "common/bytes.hpp"

#include <openssl/crypto.h>

namespace pvpn {
namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

Bytes to_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

ByteView as_bytes(std::string_view text) noexcept {
    return {reinterpret_cast<std::uint8_t const*>(text.data()), text.size()};
}

std::string to_hex(ByteView data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (auto b : data) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

std::optional<Bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    Bytes out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = hex_value(hex[i]);
        int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

void wipe(Bytes& data) noexcept {
    if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
    data.clear();
}

void wipe(std::string& data) noexcept {
    // The whole capacity, not just size(): earlier, longer contents may linger
    // past the end. Growing to the capacity never reallocates.
    data.resize(data.capacity());
    if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
    data.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        wipe(data_);
        data_ = std::move(other.data_);
    }
    return *this;
}

} // namespace pvpn
