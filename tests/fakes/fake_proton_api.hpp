// FakeProtonApi: an in-memory Proton API for unit tests. It plays the server
// side of SRP for real (so Session's proofs and its check of the server proof
// are exercised), issues and rotates tokens, asks for a second factor or human
// verification when told to, and fails calls on demand (fail_next).
#pragma once

#include "common/base64.hpp"
#include "daemon/proton/api.hpp"
#include "daemon/proton/openssl.hpp"
#include "daemon/proton/srp.hpp"

#include <openssl/bn.h>

#include <deque>
#include <map>
#include <stdexcept>
#include <string>

namespace pvpn::test {

class FakeProtonApi : public proton::ProtonApi {
public:
    using ApiError = proton::ApiError;
    template <class T>
    using ApiResult = proton::ApiResult<T>;
    template <class T>
    using Awaitable = boost::asio::awaitable<T>;

    /// The account. `signed_modulus` must be a clear-signed base64 form of `modulus`.
    FakeProtonApi(std::string signed_modulus, Bytes modulus)
        : signed_modulus_(std::move(signed_modulus)), modulus_(std::move(modulus)) {}

    std::string user = "alice";
    std::string password = "correct horse battery";
    std::string salt_b64 = "c2FsdHNhbHRzYQ==";  // 10 bytes
    bool require_2fa = false;
    std::string twofa_code = "123456";
    bool require_hv = false;
    std::string hv_solution = "solved-hv-token";
    bool corrupt_server_proof = false;
    bool refresh_invalid = false;
    std::int64_t expires_in = 3600;

    /// Errors to answer instead of the next calls of a method ("vpn_info", "auth", ...).
    std::map<std::string, std::deque<ApiError>> fail_next;
    /// How often each method was called.
    std::map<std::string, int> calls;
    std::optional<proton::HvToken> last_hv;
    std::optional<proton::CertificateRequest> last_certificate_request;

    // The live session.
    std::string uid, access_token, refresh_token;
    std::vector<std::string> scopes;
    bool access_expired = false;  ///< The next authenticated call gets 401 until a refresh.
    bool logged_out = false;

    // The server list.
    proton::ServerList servers;
    std::vector<proton::LoadUpdate> load_updates;
    std::string last_modified = "Mon, 24 Nov 2025 10:00:00 GMT";
    std::string last_if_modified_since;
    bool list_changed = true;  ///< false: If-Modified-Since == last_modified gets 304.

    static ApiError error(int http_status, int api_code, Errc code, std::string message) {
        ApiError e;
        e.error = Error{code, std::move(message)};
        e.http_status = http_status;
        e.api_code = api_code;
        e.session_expired = http_status == 401;
        return e;
    }

    static ApiError rate_limited(int seconds) {
        ApiError e = error(429, 2028, Errc::rate_limited, "slow down");
        e.retry_after = std::chrono::seconds{seconds};
        return e;
    }

    Awaitable<ApiResult<proton::AuthInfo>> auth_info(std::string username, std::optional<proton::HvToken>) override {
        if (auto e = scripted("auth_info")) co_return *e;
        session_user_ = username;
        Bytes b(proton::srp_bytes);
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 13);
        b.back() = 0x01;  // below N
        b_ = b;
        auto ctx = proton::ossl::bn_ctx();
        auto n = proton::ossl::bn_from_le(modulus_);
        auto v = verifier();
        auto g = proton::ossl::bn(2);
        auto secret = proton::ossl::bn_from_le(b_);
        auto gb = proton::ossl::bn();
        BN_mod_exp(gb.get(), g.get(), secret.get(), n.get(), ctx.get());
        auto kv = proton::ossl::bn();
        BN_mod_mul(kv.get(), multiplier().get(), v.get(), n.get(), ctx.get());
        auto big_b = proton::ossl::bn();
        BN_mod_add(big_b.get(), kv.get(), gb.get(), n.get(), ctx.get());
        server_ephemeral_ = proton::ossl::bn_to_le(big_b.get(), proton::srp_bytes);
        co_return proton::AuthInfo{4, signed_modulus_, base64_encode(server_ephemeral_), salt_b64, "srp-session-1"};
    }

    Awaitable<ApiResult<proton::AuthReply>> auth(proton::AuthRequest request, std::optional<proton::HvToken> hv) override {
        last_hv = hv;
        if (auto e = scripted("auth")) co_return *e;
        if (require_hv && !(hv && hv->token == hv_solution)) {
            ApiError e = error(422, 9001, Errc::human_verification, "human verification required");
            e.hv_token = "hv-challenge";
            e.hv_methods = "captcha";
            e.hv_url = "https://api.test/core/v4/captcha?Token=hv-challenge";
            co_return e;
        }
        if (request.srp_session != "srp-session-1") co_return error(422, 2001, Errc::api_error, "bad SRP session");
        auto a = base64_decode(request.client_ephemeral);
        auto m1 = base64_decode(request.client_proof);
        if (!a || !m1) co_return error(422, 2001, Errc::api_error, "bad base64");
        auto ctx = proton::ossl::bn_ctx();
        auto n = proton::ossl::bn_from_le(modulus_);
        Bytes ab = *a;
        ab.insert(ab.end(), server_ephemeral_.begin(), server_ephemeral_.end());
        auto u = proton::ossl::bn_from_le(proton::expand_hash(ab));
        auto vu = proton::ossl::bn();
        BN_mod_exp(vu.get(), verifier().get(), u.get(), n.get(), ctx.get());
        auto base = proton::ossl::bn();
        BN_mod_mul(base.get(), proton::ossl::bn_from_le(*a).get(), vu.get(), n.get(), ctx.get());
        auto s = proton::ossl::bn();
        BN_mod_exp(s.get(), base.get(), proton::ossl::bn_from_le(b_).get(), n.get(), ctx.get());
        Bytes key = proton::ossl::bn_to_le(s.get(), proton::srp_bytes);
        Bytes abk = ab;
        abk.insert(abk.end(), key.begin(), key.end());
        Bytes expected_m1 = proton::expand_hash(abk);
        if (session_user_ != user || expected_m1 != *m1)
            co_return error(422, 8002, Errc::auth_failed, "wrong user name or password");
        Bytes amk = *a;
        amk.insert(amk.end(), expected_m1.begin(), expected_m1.end());
        amk.insert(amk.end(), key.begin(), key.end());
        Bytes m2 = proton::expand_hash(amk);
        if (corrupt_server_proof) m2[0] ^= 1;
        issue_tokens();
        uid = "uid-" + std::to_string(serial_);
        scopes = require_2fa ? std::vector<std::string>{"twofactor"} : full_scopes();
        proton::AuthReply reply;
        reply.tokens = proton::Tokens{uid, access_token, refresh_token, expires_in, scopes};
        reply.server_proof = base64_encode(m2);
        reply.twofa_enabled = require_2fa ? 1 : 0;
        co_return reply;
    }

    Awaitable<ApiResult<std::vector<std::string>>> auth_2fa(proton::Credentials creds, std::string code) override {
        if (auto e = scripted("auth_2fa")) co_return *e;
        if (creds.uid != uid || creds.access_token != access_token)
            co_return error(401, 401, Errc::auth_failed, "invalid token");
        if (code != twofa_code) {
            ApiError e = error(401, 8002, Errc::auth_failed, "the 2FA code was not accepted");
            e.session_expired = false;
            co_return e;
        }
        scopes = full_scopes();
        co_return scopes;
    }

    Awaitable<ApiResult<proton::Tokens>> refresh(std::string refresh_uid, std::string token) override {
        if (auto e = scripted("refresh")) co_return *e;
        if (refresh_invalid || refresh_uid != uid || token != refresh_token) {
            ApiError e = error(400, 10013, Errc::auth_failed, "invalid refresh token");
            e.session_invalid = true;
            co_return e;
        }
        issue_tokens();
        access_expired = false;
        co_return proton::Tokens{uid, access_token, refresh_token, expires_in, scopes};
    }

    Awaitable<ApiResult<void>> logout(proton::Credentials creds) override {
        if (auto e = scripted("logout")) co_return *e;
        if (creds.uid == uid) logged_out = true;
        co_return ApiResult<void>{};
    }

    Awaitable<ApiResult<proton::VpnInfo>> vpn_info(proton::Credentials creds) override {
        if (auto e = authorize("vpn_info", creds)) co_return *e;
        proton::VpnInfo info;
        info.max_tier = 2;
        info.status = 1;
        co_return info;
    }

    Awaitable<ApiResult<proton::LogicalsReply>> logicals(proton::Credentials creds, std::string ims) override {
        if (auto e = authorize("logicals", creds)) co_return *e;
        last_if_modified_since = ims;
        proton::LogicalsReply reply;
        reply.last_modified = last_modified;
        if (list_changed || ims != last_modified) {
            proton::ServerList copy;
            copy.logicals = servers.logicals;
            copy.physicals = servers.physicals;
            reply.servers = std::move(copy);
        }
        co_return reply;
    }

    Awaitable<ApiResult<std::vector<proton::LoadUpdate>>> loads(proton::Credentials creds) override {
        if (auto e = authorize("loads", creds)) co_return *e;
        co_return load_updates;
    }

    Awaitable<ApiResult<proton::ClientConfig>> client_config(proton::Credentials creds) override {
        if (auto e = authorize("client_config", creds)) co_return *e;
        proton::ClientConfig config;
        config.wireguard_udp_ports = {51820};
        co_return config;
    }

    Awaitable<ApiResult<proton::CertificateReply>> certificate(proton::Credentials creds,
                                                               proton::CertificateRequest request) override {
        if (auto e = authorize("certificate", creds)) co_return *e;
        last_certificate_request = request;
        proton::CertificateReply reply;
        reply.serial_number = "1";
        reply.certificate_pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        reply.expiration_time = 2000;
        reply.refresh_time = 1500;
        co_return reply;
    }

private:
    static std::vector<std::string> full_scopes() { return {"full", "self", "user", "loggedin", "vpn"}; }

    std::optional<ApiError> scripted(std::string const& name) {
        ++calls[name];
        auto& queue = fail_next[name];
        if (queue.empty()) return std::nullopt;
        ApiError e = queue.front();
        queue.pop_front();
        return e;
    }

    std::optional<ApiError> authorize(std::string const& name, proton::Credentials const& creds) {
        if (auto e = scripted(name)) return e;
        if (creds.uid.empty() || creds.uid != uid || creds.access_token != access_token || access_expired)
            return error(401, 401, Errc::auth_failed, "access token expired");
        if (std::find(scopes.begin(), scopes.end(), "vpn") == scopes.end())
            return error(403, 9100, Errc::twofa_required, "needs 2FA");
        return std::nullopt;
    }

    void issue_tokens() {
        ++serial_;
        access_expired = false;
        access_token = "access-token-" + std::to_string(serial_);
        refresh_token = "refresh-token-" + std::to_string(serial_);
    }

    proton::ossl::Bn verifier() const {
        auto v = proton::compute_verifier(password, salt_b64, modulus_);
        if (!v) throw std::runtime_error("fake verifier: " + v.error().message);
        return proton::ossl::bn_from_le(*v);
    }

    proton::ossl::Bn multiplier() const {
        Bytes gn(proton::srp_bytes, 0);
        gn[0] = 2;
        gn.insert(gn.end(), modulus_.begin(), modulus_.end());
        auto k = proton::ossl::bn_from_le(proton::expand_hash(gn));
        auto ctx = proton::ossl::bn_ctx();
        auto n = proton::ossl::bn_from_le(modulus_);
        BN_mod(k.get(), k.get(), n.get(), ctx.get());
        return k;
    }

    std::string signed_modulus_;
    Bytes modulus_;
    Bytes b_;
    Bytes server_ephemeral_;
    std::string session_user_;
    int serial_ = 0;
};

} // namespace pvpn::test
