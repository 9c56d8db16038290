// Validation of user-supplied values, shared by the client (before sending)
// and the daemon (again, on receipt: scripts may bypass the client).
// Each function returns an error message naming the problem, or nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pvpn::proto {

/// Two ASCII letters (any case); returns the upper-case form.
std::optional<std::string> normalize_country(std::string_view value);

/// "true" or "false" (also accepts yes/no, on/off, 1/0 in any case).
std::optional<bool> parse_bool(std::string_view value);

/// Integer in [lo, hi] written in decimal with no sign or junk.
std::optional<long> parse_int_in(std::string_view value, long lo, long hi);

/// "ping" or "api".
bool valid_fastest(std::string_view value);

/// http:// or https:// URL with a host and an optional port 1..65535.
bool valid_http_url(std::string_view value);

} // namespace pvpn::proto
