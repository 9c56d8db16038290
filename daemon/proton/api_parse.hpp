// Pure parsers of the Proton API's JSON replies (shared/docs/proton-api.md).
//
// Every function takes the raw body and either returns the typed reply or
// Errc::api_error naming the first field that is missing or of the wrong type
// ("unexpected reply from Proton: LogicalServers[3].Tier is not an integer").
// A reply that is not JSON, too deep, or simply hostile is an error, never a
// crash: these functions are fuzz targets. Unknown fields are ignored; null
// counts as absent for optional fields.
#pragma once

#include "common/error.hpp"
#include "daemon/proton/api.hpp"
#include "daemon/proton/servers.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::proton {

/// POST /auth/info.
Result<AuthInfo> parse_auth_info(std::string_view body);

/// POST /auth.
Result<AuthReply> parse_auth(std::string_view body);

/// POST /auth/2fa: the session's scopes after the second factor.
Result<std::vector<std::string>> parse_twofa(std::string_view body);

/// POST /auth/refresh.
Result<Tokens> parse_refresh(std::string_view body);

/// GET /vpn/v2.
Result<VpnInfo> parse_vpn_info(std::string_view body);

/// GET /vpn/v2/clientconfig.
Result<ClientConfig> parse_client_config(std::string_view body);

/// GET /vpn/v1/logicals. Entry IPs that are not IPv4 and WireGuard keys that are not 32
/// base64 bytes make that physical server unusable rather than failing the list.
Result<ServerList> parse_logicals(std::string_view body);

/// pvpnd's servers.json (the list in Proton's shape plus FetchedAt,
/// LoadsFetchedAt, LastModified, MaxTier).
Result<ServerCache> parse_server_cache(std::string_view body);

/// GET /vpn/v1/loads.
Result<std::vector<LoadUpdate>> parse_loads(std::string_view body);

/// POST /vpn/v1/certificate.
Result<CertificateReply> parse_certificate(std::string_view body);

/// The body of a failed call: {"Code", "Error", "Details": {HumanVerificationToken,
/// HumanVerificationMethods}}. Lenient: whatever is readable is returned,
/// nullopt when the body is not a JSON object.
struct ErrorBody {
    int code = 0;
    std::string message;
    std::string hv_token;
    std::vector<std::string> hv_methods;
};
std::optional<ErrorBody> parse_error_body(std::string_view body);

} // namespace pvpn::proton
