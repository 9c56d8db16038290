// Byte strings: the one buffer type of the crypto code, hex for tests and
// logs of public values, and a buffer that wipes itself for key material.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<std::uint8_t const>;

/// The bytes of `text` as they are (no encoding change).
Bytes to_bytes(std::string_view text);

/// Views the characters of `text` as bytes, without copying.
ByteView as_bytes(std::string_view text) noexcept;

/// Lower-case hex, two digits per byte.
std::string to_hex(ByteView data);

/// Parses hex (either case, no separators); nullopt on an odd length or a non-hex digit.
std::optional<Bytes> from_hex(std::string_view hex);

/// Overwrites the contents in a way the optimiser cannot drop, then empties the buffer.
void wipe(Bytes& data) noexcept;
void wipe(std::string& data) noexcept;

/// Key material: wiped when destroyed or overwritten. Move-only, so that no
/// forgotten copy outlives the owner.
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(Bytes data) noexcept : data_(std::move(data)) {}
    SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {}
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    SecretBytes(SecretBytes const&) = delete;
    SecretBytes& operator=(SecretBytes const&) = delete;
    ~SecretBytes() { wipe(data_); }

    ByteView view() const noexcept { return data_; }
    std::uint8_t const* data() const noexcept { return data_.data(); }
    std::size_t size() const noexcept { return data_.size(); }
    bool empty() const noexcept { return data_.empty(); }

private:
    Bytes data_;
};

} // namespace pvpn
