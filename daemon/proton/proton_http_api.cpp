#include "daemon/proton/proton_http_api.hpp"

#include "common/log.hpp"
#include "daemon/proton/api_parse.hpp"

#include <boost/json.hpp>

#include <sys/utsname.h>

#include <fstream>

namespace pvpn::proton {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

/// `x86_64` → `x86-64`, anything outside [A-Za-z0-9-] dropped (as the Linux client does).
std::string arch_name() {
    utsname u{};
    std::string machine = ::uname(&u) == 0 ? u.machine : "unknown";
    std::string out;
    for (char c : machine) {
        if (c == '_') out += '-';
        else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out += c;
    }
    return out.empty() ? "unknown" : out;
}

/// "debian/12" from /etc/os-release; "debian/12" when it cannot be read.
std::string distro_name() {
    std::ifstream in("/etc/os-release");
    std::string line, id, version;
    auto value = [](std::string v) {
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
        return v;
    };
    while (std::getline(in, line)) {
        if (line.rfind("ID=", 0) == 0) id = value(line.substr(3));
        else if (line.rfind("VERSION_ID=", 0) == 0) version = value(line.substr(11));
    }
    if (id.empty()) return "debian/12";
    return version.empty() ? id : id + "/" + version;
}

template <class T>
ApiResult<T> parsed(Result<T> r, int http_status) {
    if (r) return std::move(*r);
    ApiError e;
    e.error = r.error();
    e.http_status = http_status;
    return e;
}

} // namespace

ClientIdentity linux_client_identity() {
    ClientIdentity id;
    id.app_version = "linux-vpn-cli@" + std::string(proton_client_version) + "+" + arch_name();
    id.user_agent = "ProtonVPN/" + std::string(proton_client_version) + " (Linux; " + distro_name() + ")";
    return id;
}

ProtonHttpApi::ProtonHttpApi(net::HttpsClient& http, std::string api_url, ClientIdentity identity)
    : http_(http), api_url_(std::move(api_url)), identity_(std::move(identity)) {}

asio::awaitable<ApiResult<net::HttpResponse>> ProtonHttpApi::send(Call call) {
    net::Headers headers{
        {"x-pm-appversion", identity_.app_version},
        {"User-Agent", identity_.user_agent},
        {"Accept", "application/vnd.protonmail.v1+json"},
    };
    if (call.creds) {
        headers.emplace_back("x-pm-uid", call.creds->uid);
        if (!call.creds->access_token.empty())
            headers.emplace_back("Authorization", "Bearer " + call.creds->access_token);
    }
    if (call.hv) {
        headers.emplace_back("x-pm-human-verification-token", call.hv->token);
        headers.emplace_back("x-pm-human-verification-token-type", call.hv->type);
    }
    std::optional<std::string> body;
    if (call.body) {
        headers.emplace_back("Content-Type", "application/json");
        body = json::serialize(*call.body);
    }
    for (auto& h : call.extra) headers.push_back(std::move(h));

    auto res = co_await http_.request(call.method, call.target, std::move(headers), std::move(body));
    if (!res) co_return api_failure(res.error().code, res.error().message);
    unsigned const status = res->status;
    log::debug("proton", http::to_string(call.method), " ", call.target, " -> ", status);
    if ((status >= 200 && status < 300) || (status == 304 && call.allow_not_modified)) co_return std::move(*res);
    co_return map_http_error(static_cast<int>(status), res->body, res->header("Retry-After"), api_url_, call.kind);
}

asio::awaitable<ApiResult<AuthInfo>> ProtonHttpApi::auth_info(std::string username, std::optional<HvToken> hv) {
    Call call(http::verb::post, "/auth/info", CallKind::login);
    call.body = json::value(json::object{{"Username", username}});
    call.hv = std::move(hv);
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_auth_info(res->body), static_cast<int>(res->status));
}

asio::awaitable<ApiResult<AuthReply>> ProtonHttpApi::auth(AuthRequest request, std::optional<HvToken> hv) {
    json::object body{{"Username", request.username},
                      {"ClientEphemeral", request.client_ephemeral},
                      {"ClientProof", request.client_proof},
                      {"SRPSession", request.srp_session}};
    Call call(http::verb::post, "/auth", CallKind::login);
    call.body = json::value(std::move(body));
    call.hv = std::move(hv);
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_auth(res->body), static_cast<int>(res->status));
}

asio::awaitable<ApiResult<std::vector<std::string>>> ProtonHttpApi::auth_2fa(Credentials creds, std::string code) {
    Call call(http::verb::post, "/auth/2fa", CallKind::twofa);
    call.creds = std::move(creds);
    call.body = json::value(json::object{{"TwoFactorCode", code}});
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_twofa(res->body), static_cast<int>(res->status));
}

asio::awaitable<ApiResult<Tokens>> ProtonHttpApi::refresh(std::string uid, std::string refresh_token) {
    json::object body{{"ResponseType", "token"},
                      {"GrantType", "refresh_token"},
                      {"RefreshToken", refresh_token},
                      {"RedirectURI", "http://protonmail.ch"},
                      {"UID", uid}};
    Call call(http::verb::post, "/auth/refresh", CallKind::refresh);
    call.creds = Credentials{uid, ""};
    call.body = json::value(std::move(body));
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    auto tokens = parsed(parse_refresh(res->body), static_cast<int>(res->status));
    if (tokens && tokens->uid.empty()) tokens->uid = uid;
    co_return tokens;
}

asio::awaitable<ApiResult<void>> ProtonHttpApi::logout(Credentials creds) {
    Call call(http::verb::delete_, "/auth", CallKind::logout);
    call.creds = std::move(creds);
    auto res = co_await send(std::move(call));
    if (!res && !res.error().session_expired) co_return res.error();
    co_return ApiResult<void>{};
}

asio::awaitable<ApiResult<VpnInfo>> ProtonHttpApi::vpn_info(Credentials creds) {
    Call call(http::verb::get, "/vpn/v2");
    call.creds = std::move(creds);
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_vpn_info(res->body), static_cast<int>(res->status));
}

asio::awaitable<ApiResult<LogicalsReply>> ProtonHttpApi::logicals(Credentials creds, std::string if_modified_since) {
    Call call(http::verb::get, "/vpn/v1/logicals?SecureCoreFilter=all");
    call.creds = std::move(creds);
    if (!if_modified_since.empty()) call.extra.emplace_back("If-Modified-Since", if_modified_since);
    call.allow_not_modified = true;
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    LogicalsReply out;
    out.last_modified = std::string(res->header("Last-Modified"));
    if (res->status == 304) co_return out;
    auto list = parse_logicals(res->body);
    if (!list) co_return parsed(Result<LogicalsReply>(list.error()), static_cast<int>(res->status));
    out.servers = std::move(*list);
    co_return out;
}

asio::awaitable<ApiResult<std::vector<LoadUpdate>>> ProtonHttpApi::loads(Credentials creds) {
    Call call(http::verb::get, "/vpn/v1/loads");
    call.creds = std::move(creds);
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_loads(res->body), static_cast<int>(res->status));
}

asio::awaitable<ApiResult<ClientConfig>> ProtonHttpApi::client_config(Credentials creds) {
    Call call(http::verb::get, "/vpn/v2/clientconfig");
    call.creds = std::move(creds);
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_client_config(res->body), static_cast<int>(res->status));
}

asio::awaitable<ApiResult<CertificateReply>> ProtonHttpApi::certificate(Credentials creds,
                                                                        CertificateRequest request) {
    json::object body{{"ClientPublicKey", request.client_public_key_pem},
                      {"ClientPublicKeyMode", "EC"},
                      {"Mode", request.mode}};
    if (!request.device_name.empty()) body["DeviceName"] = request.device_name;
    if (request.duration_minutes) body["Duration"] = std::to_string(*request.duration_minutes) + " min";
    json::object features;
    if (request.port_forwarding) features["PortForwarding"] = *request.port_forwarding;
    if (request.netshield_level) features["NetShieldLevel"] = *request.netshield_level;
    if (request.random_nat) features["RandomNAT"] = *request.random_nat;
    if (request.split_tcp) features["SplitTCP"] = *request.split_tcp;
    if (!features.empty()) body["Features"] = std::move(features);
    if (request.renew) body["Renew"] = true;
    Call call(http::verb::post, "/vpn/v1/certificate");
    call.creds = std::move(creds);
    call.body = json::value(std::move(body));
    auto res = co_await send(std::move(call));
    if (!res) co_return res.error();
    co_return parsed(parse_certificate(res->body), static_cast<int>(res->status));
}

} // namespace pvpn::proton
