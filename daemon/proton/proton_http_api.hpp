// The real ProtonApi: JSON over HTTPS (net::HttpsClient) to vpn-api.proton.me
// or to whatever [protonvpn] api_url names (the lab's stand-in), introducing
// itself as the official Linux client does (shared/docs/proton-api.md §2.1).
#pragma once

#include "daemon/net/https_client.hpp"
#include "daemon/proton/api.hpp"
#include "daemon/proton/api_errors.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace pvpn::proton {

/// How the client introduces itself.
struct ClientIdentity {
    std::string app_version;  ///< x-pm-appversion, e.g. "linux-vpn-cli@4.16.5+x86-64".
    std::string user_agent;   ///< e.g. "ProtonVPN/4.16.5 (Linux; debian/12)".
};

/// The official Linux client's version pvpn introduces itself with: Proton
/// refuses versions it considers outdated (5003), so this tracks a current
/// release rather than pvpn's own version.
inline constexpr std::string_view proton_client_version = "4.16.5";

/// The identity of this machine: architecture from uname(2) ("x86_64" →
/// "x86-64"), distribution from /etc/os-release (ID/VERSION_ID).
ClientIdentity linux_client_identity();

class ProtonHttpApi final : public ProtonApi {
public:
    /// `api_url` is the base URL `http` was created for; it also prefixes
    /// human-verification links.
    ProtonHttpApi(net::HttpsClient& http, std::string api_url, ClientIdentity identity);

    boost::asio::awaitable<ApiResult<AuthInfo>> auth_info(std::string username, std::optional<HvToken> hv) override;
    boost::asio::awaitable<ApiResult<AuthReply>> auth(AuthRequest request, std::optional<HvToken> hv) override;
    boost::asio::awaitable<ApiResult<std::vector<std::string>>> auth_2fa(Credentials creds, std::string code) override;
    boost::asio::awaitable<ApiResult<Tokens>> refresh(std::string uid, std::string refresh_token) override;
    boost::asio::awaitable<ApiResult<void>> logout(Credentials creds) override;
    boost::asio::awaitable<ApiResult<VpnInfo>> vpn_info(Credentials creds) override;
    boost::asio::awaitable<ApiResult<LogicalsReply>> logicals(Credentials creds, std::string if_modified_since) override;
    boost::asio::awaitable<ApiResult<std::vector<LoadUpdate>>> loads(Credentials creds) override;
    boost::asio::awaitable<ApiResult<ClientConfig>> client_config(Credentials creds) override;
    boost::asio::awaitable<ApiResult<CertificateReply>> certificate(Credentials creds,
                                                                    CertificateRequest request) override;

private:
    /// One exchange; any answer but 2xx (and 304 when `allow_not_modified`)
    /// becomes an ApiError through map_http_error.
    struct Call {
        Call(boost::beast::http::verb m, std::string t, CallKind k = CallKind::other)
            : method(m), target(std::move(t)), kind(k) {}
        boost::beast::http::verb method;
        std::string target;
        CallKind kind;
        std::optional<Credentials> creds;
        std::optional<boost::json::value> body;
        std::optional<HvToken> hv;
        net::Headers extra;
        bool allow_not_modified = false;
    };
    boost::asio::awaitable<ApiResult<net::HttpResponse>> send(Call call);

    net::HttpsClient& http_;
    std::string api_url_;
    ClientIdentity identity_;
};

} // namespace pvpn::proton
