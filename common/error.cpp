#include "common/error.hpp"

#include <utility>

namespace pvpn {
namespace {

struct Row {
    Errc code;
    std::string_view name;
    int exit;
};

// Exit codes are documented in docs/cli.md; 2 is reserved for usage errors
// found by the client itself, 3 for "daemon unreachable".
constexpr Row rows[] = {
    {Errc::parse_error, "parse_error", 1},
    {Errc::invalid_request, "invalid_request", 1},
    {Errc::method_not_found, "method_not_found", 1},
    {Errc::invalid_params, "invalid_params", 2},
    {Errc::internal, "internal", 1},
    {Errc::permission_denied, "permission_denied", 4},
    {Errc::message_too_large, "message_too_large", 1},
    {Errc::config_invalid, "config_invalid", 5},
    {Errc::not_configured, "not_configured", 5},
    {Errc::auth_failed, "auth_failed", 6},
    {Errc::twofa_required, "twofa_required", 7},
    {Errc::human_verification, "human_verification", 8},
    {Errc::rate_limited, "rate_limited", 9},
    {Errc::app_outdated, "app_outdated", 10},
    {Errc::api_error, "api_error", 11},
    {Errc::no_server, "no_server", 12},
    {Errc::network, "network", 13},
    {Errc::tunnel_failed, "tunnel_failed", 14},
    {Errc::busy, "busy", 15},
    {Errc::cancelled, "cancelled", 16},
};

Row const* find(Errc code) {
    for (auto const& r : rows)
        if (r.code == code) return &r;
    return nullptr;
}

} // namespace

std::string_view errc_name(Errc code) {
    auto const* r = find(code);
    return r ? r->name : "internal";
}

int exit_code(Errc code) {
    auto const* r = find(code);
    return r ? r->exit : 1;
}

Errc errc_from_int(int code) {
    for (auto const& r : rows)
        if (static_cast<int>(r.code) == code) return r.code;
    return Errc::internal;
}

void throw_exception_from_error(Error const& e, boost::source_location const&) {
    throw ErrorException(e);
}

Error fail(Errc code, std::string message) { return Error{code, std::move(message)}; }

} // namespace pvpn
