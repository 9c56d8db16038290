#include "proto/validate.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace pvpn::proto {
namespace {

std::string lower(std::string_view v) {
    std::string s(v);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace

std::optional<std::string> normalize_country(std::string_view value) {
    if (value.size() != 2) return std::nullopt;
    std::string out;
    for (unsigned char c : value) {
        if (!std::isalpha(c) || c > 127) return std::nullopt;
        out.push_back(static_cast<char>(std::toupper(c)));
    }
    return out;
}

std::optional<bool> parse_bool(std::string_view value) {
    auto v = lower(value);
    if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
    if (v == "false" || v == "no" || v == "off" || v == "0") return false;
    return std::nullopt;
}

std::optional<long> parse_int_in(std::string_view value, long lo, long hi) {
    if (value.empty() || value.size() > 12) return std::nullopt;
    long out = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc{} || ptr != value.data() + value.size()) return std::nullopt;
    if (value.front() == '-' && lo >= 0) return std::nullopt;
    if (out < lo || out > hi) return std::nullopt;
    return out;
}

bool valid_fastest(std::string_view value) { return value == "ping" || value == "api"; }

bool valid_http_url(std::string_view value) {
    std::string_view rest;
    if (value.starts_with("http://"))
        rest = value.substr(7);
    else if (value.starts_with("https://"))
        rest = value.substr(8);
    else
        return false;
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
    for (unsigned char c : value)
        if (c <= ' ' || c >= 127) return false;
    std::string_view host = authority;
    std::string_view port;
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        host = authority.substr(0, close + 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return false;
            port = after.substr(1);
            if (port.empty()) return false;
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty()) return false;
    }
    if (host.empty()) return false;
    if (!port.empty() && !parse_int_in(port, 1, 65535)) return false;
    return true;
}

} // namespace pvpn::proto
