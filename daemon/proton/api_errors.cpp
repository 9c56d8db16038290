#include "daemon/proton/api_errors.hpp"

#include "daemon/proton/api_parse.hpp"

#include <charconv>

namespace pvpn::proton {
namespace {

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string join(std::vector<std::string> const& items, char sep) {
    std::string out;
    for (auto const& s : items) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

/// Proton's own words, when they add something ("… (Proton: <text>)").
std::string proton_says(ErrorBody const& body) {
    return body.message.empty() ? std::string() : " (Proton: " + body.message + ")";
}

} // namespace

boost::json::object ApiError::data() const {
    boost::json::object d;
    switch (error.code) {
    case Errc::human_verification:
        d["url"] = hv_url;
        d["token"] = hv_token;
        d["methods"] = hv_methods;
        break;
    case Errc::rate_limited: d["retry_after"] = retry_after.count(); break;
    default: break;
    }
    if (api_code != 0) d["api_code"] = api_code;
    if (http_status != 0) d["http_status"] = http_status;
    return d;
}

void throw_exception_from_error(ApiError const& e, boost::source_location const&) { throw ErrorException(e.error); }

ApiError api_failure(Errc code, std::string message) {
    ApiError e;
    e.error = Error{code, std::move(message)};
    return e;
}

std::chrono::seconds parse_retry_after(std::string_view value) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    long long n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 0) return std::chrono::seconds{0};
    return std::chrono::seconds{std::min<long long>(n, 86400)};
}

ApiError map_http_error(int http_status, std::string_view body, std::string_view retry_after,
                        std::string_view api_url, CallKind call) {
    ErrorBody parsed = parse_error_body(body).value_or(ErrorBody{});
    ApiError e;
    e.http_status = http_status;
    e.api_code = parsed.code;
    auto set = [&](Errc code, std::string message) {
        e.error = Error{code, std::move(message)};
        return e;
    };
    int const code = parsed.code;

    if (http_status == 429 || http_status == 503) {
        e.retry_after = parse_retry_after(retry_after);
        std::string when = e.retry_after.count() > 0 ? "try again in " + std::to_string(e.retry_after.count()) + " s"
                                                     : "try again later";
        return set(Errc::rate_limited, "Proton is limiting requests from this address; " + when);
    }
    if (code == 5001 || code == 5003 || code == 5005)
        return set(Errc::app_outdated, "Proton refuses this client version; update pvpn" + proton_says(parsed));
    if (code == 9001 || (!parsed.hv_token.empty() && (http_status == 422 || code == 12087))) {
        e.hv_token = parsed.hv_token;
        e.hv_methods = parsed.hv_methods.empty() ? "captcha" : join(parsed.hv_methods, ',');
        std::string base(api_url);
        while (!base.empty() && base.back() == '/') base.pop_back();
        e.hv_url = base + "/core/v4/captcha?Token=" + percent_encode(parsed.hv_token);
        std::string again = code == 12087 ? "the verification token was not accepted; " : "";
        return set(Errc::human_verification,
                   "Proton asks for human verification: " + again + "solve it at " + e.hv_url);
    }
    switch (call) {
    case CallKind::twofa:
        if (http_status == 401 || code == 8002)
            return set(Errc::auth_failed, "the 2FA code was not accepted" + proton_says(parsed));
        break;
    case CallKind::refresh:
        if (http_status == 400 || http_status == 401 || http_status == 422 || code == 10013) {
            e.session_invalid = true;
            return set(Errc::auth_failed, "the saved Proton session has ended; a new login is needed");
        }
        break;
    case CallKind::login:
        if (code == 8002)
            return set(Errc::auth_failed, "wrong Proton user name or password" + proton_says(parsed));
        break;
    case CallKind::logout:
    case CallKind::other:
        if (http_status == 401) {
            e.session_expired = true;
            return set(Errc::auth_failed, "the Proton session has expired");
        }
        if (code == 9100 || code == 86120)
            return set(Errc::twofa_required, "this Proton session needs the second factor (2FA)" + proton_says(parsed));
        break;
    }
    if (code == 8002) return set(Errc::auth_failed, "Proton refused the credentials" + proton_says(parsed));
    if (code == 10002 || code == 10003)
        return set(Errc::auth_failed, "this Proton account is deleted or disabled" + proton_says(parsed));
    if (http_status >= 500)
        return set(Errc::network, "the Proton API is unavailable (HTTP " + std::to_string(http_status) + ")" +
                                      proton_says(parsed));
    if (code != 0)
        return set(Errc::api_error, "Proton API error " + std::to_string(code) + proton_says(parsed));
    return set(Errc::api_error, "Proton API answered HTTP " + std::to_string(http_status));
}

} // namespace pvpn::proton
