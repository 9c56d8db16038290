#include "daemon/firewall/address_set.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace pvpn::firewall {
namespace ip = boost::asio::ip;

namespace {

// An address as a big-endian byte string: 4 bytes for IPv4, 16 for IPv6.
struct Bits {
    std::array<std::uint8_t, 16> bytes{};
    std::size_t size = 4;

    friend auto operator<=>(Bits const&, Bits const&) = default;
};

Bits bits_of(ip::address const& address) {
    Bits b;
    if (address.is_v4()) {
        auto v4 = address.to_v4().to_bytes();
        std::copy(v4.begin(), v4.end(), b.bytes.begin());
    } else {
        auto v6 = address.to_v6().to_bytes();
        std::copy(v6.begin(), v6.end(), b.bytes.begin());
        b.size = 16;
    }
    return b;
}

std::string text_of(Bits const& b) {
    if (b.size == 4) return ip::address_v4({b.bytes[0], b.bytes[1], b.bytes[2], b.bytes[3]}).to_string();
    return ip::address_v6(b.bytes).to_string();
}

// Host bits (those past `length`) all cleared or all set.
Bits with_host_bits(Bits b, unsigned length, bool set) {
    for (std::size_t i = 0; i < b.size; ++i) {
        unsigned first = static_cast<unsigned>(i) * 8;
        std::uint8_t host_mask = 0xff;
        if (length >= first + 8) host_mask = 0;
        else if (length > first) host_mask = static_cast<std::uint8_t>(0xffu >> (length - first));
        b.bytes[i] = set ? static_cast<std::uint8_t>(b.bytes[i] | host_mask)
                         : static_cast<std::uint8_t>(b.bytes[i] & ~host_mask);
    }
    return b;
}

// b + 1; false when b is the last address (no successor).
bool increment(Bits& b) {
    for (std::size_t i = b.size; i-- > 0;) {
        if (++b.bytes[i] != 0) return true;
    }
    return false;
}

struct Interval {
    Bits low;
    Bits high;
};

std::string element_text(Interval const& iv) {
    if (iv.low == iv.high) return text_of(iv.low);
    for (unsigned length = 0; length <= iv.low.size * 8; ++length) {
        if (with_host_bits(iv.low, length, false) == iv.low && with_host_bits(iv.low, length, true) == iv.high)
            return text_of(iv.low) + "/" + std::to_string(length);
    }
    return text_of(iv.low) + "-" + text_of(iv.high);
}

} // namespace

std::vector<std::string> canonical_elements(std::vector<net::IpPrefix> const& prefixes) {
    std::vector<Interval> intervals;
    for (auto const& p : prefixes) {
        auto b = bits_of(p.address);
        intervals.push_back({with_host_bits(b, p.length, false), with_host_bits(b, p.length, true)});
    }
    std::sort(intervals.begin(), intervals.end(), [](auto const& a, auto const& b) { return a.low < b.low; });
    std::vector<Interval> merged;
    for (auto const& iv : intervals) {
        if (!merged.empty()) {
            auto next = merged.back().high;
            bool touches = !increment(next) || iv.low <= next;
            if (touches) {
                merged.back().high = std::max(merged.back().high, iv.high);
                continue;
            }
        }
        merged.push_back(iv);
    }
    std::vector<std::string> out;
    for (auto const& iv : merged) out.push_back(element_text(iv));
    return out;
}

std::string nft_value(std::vector<std::string> const& elements) {
    if (elements.size() == 1) return elements.front();
    std::string out = "{ ";
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i) out += ", ";
        out += elements[i];
    }
    return out + " }";
}

} // namespace pvpn::firewall
