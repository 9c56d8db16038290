// How Proton's failed answers become ApiError (shared/docs/proton-api.md
// §1.7–1.8). Pure, so the mapping is unit-tested without a network.
#pragma once

#include "daemon/proton/api.hpp"

#include <string_view>

namespace pvpn::proton {

/// Which call failed: the same HTTP status means different things per call
/// (401 on /auth/2fa is a wrong code, elsewhere an expired token).
enum class CallKind { login, twofa, refresh, logout, other };

/// Maps a non-2xx answer: 401 → session_expired (twofa: auth_failed; refresh:
/// session_invalid), 8002 → auth_failed, 9001 or 422 with a verification token
/// → human_verification (hv_url = <api_url>/core/v4/captcha?Token=<token>),
/// 429/503 → rate_limited with Retry-After, 5001/5003/5005 → app_outdated,
/// refresh answered 400/422 or 10013 → session_invalid, other 5xx → network
/// ("the API is down"), anything else → api_error with Proton's code and text.
ApiError map_http_error(int http_status, std::string_view body, std::string_view retry_after,
                        std::string_view api_url, CallKind call);

/// Seconds in a Retry-After header (delta-seconds form only); 0 when absent or unreadable.
std::chrono::seconds parse_retry_after(std::string_view value);

} // namespace pvpn::proton
