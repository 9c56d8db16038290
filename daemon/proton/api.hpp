// The Proton API as pvpnd uses it: one abstract port with a coroutine method
// per endpoint, the typed replies, and the typed failure that callers branch on.
//
// The real implementation (ProtonHttpApi) speaks HTTPS to vpn-api.proton.me
// or to the lab's stand-in; tests use FakeProtonApi. Paths and fields follow
// shared/docs/proton-api.md (§1 auth, §3 VPN endpoints), the Linux client's
// flavour where the official clients differ.
#pragma once

#include "common/error.hpp"
#include "daemon/proton/servers.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::proton {

/// A failed API call with what a caller needs to react: refresh on an
/// expired token, wait on a rate limit, show the human-verification URL.
/// `error` is what the user reads; its message never holds a secret.
struct ApiError {
    Error error;
    int http_status = 0;  ///< 0: no HTTP answer (network, TLS, timeout, unreadable reply).
    int api_code = 0;     ///< Proton's "Code", 0 when the body had none.
    std::chrono::seconds retry_after{0};  ///< From Retry-After on 429/503.
    std::string hv_token;    ///< Human verification (9001): the token to solve.
    std::string hv_methods;  ///< Comma-joined methods Proton offers, e.g. "captcha".
    std::string hv_url;      ///< Where a browser solves it.
    bool session_expired = false;  ///< HTTP 401 on an authenticated call: refresh, then retry.
    bool session_invalid = false;  ///< The refresh token was refused: a full login is needed.

    /// The JSON-RPC error "data" for this failure (docs/rpc.md): url and token
    /// for human verification, retry_after for rate limits, api_code otherwise.
    boost::json::object data() const;
};

/// Lets ApiResult<T>::value() throw (as an ErrorException).
[[noreturn]] void throw_exception_from_error(ApiError const& e, boost::source_location const& loc);

template <class T>
using ApiResult = boost::system::result<T, ApiError>;

/// An ApiError without HTTP details.
ApiError api_failure(Errc code, std::string message);

/// POST /auth/info reply: the SRP parameters of the account.
struct AuthInfo {
    int version = 0;
    std::string modulus;           ///< PGP clear-signed base64 modulus (verify before use).
    std::string server_ephemeral;  ///< base64 B.
    std::string salt;              ///< base64, 10 bytes.
    std::string srp_session;       ///< Echoed back in /auth.
};

/// What the client proves in POST /auth.
struct AuthRequest {
    std::string username;
    std::string client_ephemeral;  ///< base64 A.
    std::string client_proof;      ///< base64 M1.
    std::string srp_session;
};

/// Tokens of a session, as /auth and /auth/refresh return them.
struct Tokens {
    std::string uid;
    std::string access_token;
    std::string refresh_token;
    std::int64_t expires_in = 0;  ///< Seconds from the reply.
    std::vector<std::string> scopes;
};

/// POST /auth reply.
struct AuthReply {
    Tokens tokens;
    std::string server_proof;  ///< base64 M2; must equal the locally computed one.
    int twofa_enabled = 0;     ///< 2FA.Enabled bitmask: 1 TOTP, 2 FIDO2.
    int password_mode = 1;     ///< 2 = two-password mode.
};

/// GET /vpn/v2: what the account may use.
struct VpnInfo {
    int max_tier = 0;
    int max_connect = 0;
    int status = 0;  ///< 0 no VPN access, 1 access.
    std::string plan_name;
    std::string plan_title;
    bool delinquent = false;  ///< Unpaid bills (Delinquent > 2).
};

/// GET /vpn/v2/clientconfig, the parts pvpn uses.
struct ClientConfig {
    std::vector<std::uint16_t> wireguard_udp_ports;
    std::int64_t server_refresh_minutes = 0;  ///< 0: not given.
    bool port_forwarding = true;  ///< FeatureFlags.PortForwarding (absent: true).
};

/// GET /vpn/v1/logicals: the list, or nothing new since If-Modified-Since (304).
struct LogicalsReply {
    std::optional<ServerList> servers;  ///< nullopt on 304.
    std::string last_modified;          ///< Last-Modified header, for the next request.
};

/// POST /vpn/v1/certificate request (§3.3). Features are sent only when set.
struct CertificateRequest {
    std::string client_public_key_pem;  ///< Ed25519 SubjectPublicKeyInfo PEM.
    std::string mode = "session";       ///< "session" or "persistent".
    std::string device_name;            ///< Sent when not empty.
    std::optional<int> duration_minutes;
    std::optional<bool> port_forwarding;
    std::optional<int> netshield_level;
    std::optional<bool> random_nat;
    std::optional<bool> split_tcp;
    bool renew = false;
};

/// POST /vpn/v1/certificate reply.
struct CertificateReply {
    std::string serial_number;
    std::string client_key_fingerprint;
    std::string certificate_pem;
    std::int64_t expiration_time = 0;  ///< Unix seconds.
    std::int64_t refresh_time = 0;     ///< Unix seconds: ask for a new one from here on.
    std::string mode;
};

/// The credentials an authenticated call carries.
struct Credentials {
    std::string uid;
    std::string access_token;
};

/// A solved human-verification token to replay with the request that asked for it.
struct HvToken {
    std::string token;
    std::string type = "captcha";
};

/// The Proton API port. Every method is one HTTP exchange (no retries, no
/// refresh: Session decides those), and maps Proton's answer to ApiError:
/// 401 → session_expired, 8002 → auth_failed, 9001/422 → human_verification,
/// 429/503 → rate_limited, 5001/5003/5005 → app_outdated, other codes →
/// api_error, no HTTP answer → network.
class ProtonApi {
public:
    virtual ~ProtonApi() = default;

    /// POST /auth/info {Username}.
    virtual boost::asio::awaitable<ApiResult<AuthInfo>> auth_info(std::string username,
                                                                  std::optional<HvToken> hv) = 0;
    /// POST /auth with the SRP proofs.
    virtual boost::asio::awaitable<ApiResult<AuthReply>> auth(AuthRequest request, std::optional<HvToken> hv) = 0;
    /// POST /auth/2fa {TwoFactorCode}; returns the new scopes. A refused code is auth_failed.
    virtual boost::asio::awaitable<ApiResult<std::vector<std::string>>> auth_2fa(Credentials creds,
                                                                               std::string code) = 0;
    /// POST /auth/refresh; a refused refresh token sets session_invalid.
    virtual boost::asio::awaitable<ApiResult<Tokens>> refresh(std::string uid, std::string refresh_token) = 0;
    /// DELETE /auth (a 401 counts as success: the session is already gone).
    virtual boost::asio::awaitable<ApiResult<void>> logout(Credentials creds) = 0;
    /// GET /vpn/v2.
    virtual boost::asio::awaitable<ApiResult<VpnInfo>> vpn_info(Credentials creds) = 0;
    /// GET /vpn/v1/logicals?SecureCoreFilter=all, with If-Modified-Since when not empty.
    virtual boost::asio::awaitable<ApiResult<LogicalsReply>> logicals(Credentials creds,
                                                                      std::string if_modified_since) = 0;
    /// GET /vpn/v1/loads.
    virtual boost::asio::awaitable<ApiResult<std::vector<LoadUpdate>>> loads(Credentials creds) = 0;
    /// GET /vpn/v2/clientconfig.
    virtual boost::asio::awaitable<ApiResult<ClientConfig>> client_config(Credentials creds) = 0;
    /// POST /vpn/v1/certificate.
    virtual boost::asio::awaitable<ApiResult<CertificateReply>> certificate(Credentials creds,
                                                                            CertificateRequest request) = 0;
};

} // namespace pvpn::proton
