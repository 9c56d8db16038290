#include "daemon/proton/session.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "daemon/proton/modulus.hpp"
#include "daemon/proton/pgp.hpp"
#include "daemon/proton/srp.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace pvpn::proton {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t max_session_bytes = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

asio::awaitable<void> timer_sleep(asio::any_io_executor executor, std::chrono::seconds delay) {
    asio::steady_timer timer(executor, delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ApiError to_api(Error e) {
    ApiError out;
    out.error = std::move(e);
    return out;
}

} // namespace

bool StoredSession::has_scope(std::string_view scope) const {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string session_json(StoredSession const& s) {
    json::array scopes;
    for (auto const& scope : s.scopes) scopes.emplace_back(scope);
    json::object o{{"User", s.user},
                   {"UID", s.uid},
                   {"AccessToken", s.access_token},
                   {"RefreshToken", s.refresh_token},
                   {"Expires", s.expires},
                   {"Scopes", std::move(scopes)}};
    return json::serialize(o) + "\n";
}

Result<StoredSession> parse_session(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return fail(Errc::config_invalid, "session file is not a JSON object");
    auto const& o = v.as_object();
    StoredSession s;
    auto str = [&](std::string_view key, std::string& out) {
        auto const* f = o.if_contains(key);
        if (!f || !f->is_string() || f->as_string().empty()) return false;
        out = f->as_string();
        return true;
    };
    if (!str("User", s.user) || !str("UID", s.uid) || !str("AccessToken", s.access_token) ||
        !str("RefreshToken", s.refresh_token))
        return fail(Errc::config_invalid, "session file lacks User, UID or a token");
    auto const* expires = o.if_contains("Expires");
    if (!expires || !expires->is_int64()) return fail(Errc::config_invalid, "session file lacks Expires");
    s.expires = expires->get_int64();
    if (auto const* scopes = o.if_contains("Scopes"); scopes && scopes->is_array()) {
        for (auto const& scope : scopes->as_array()) {
            if (!scope.is_string()) return fail(Errc::config_invalid, "session file has a bad scope");
            s.scopes.emplace_back(scope.as_string());
        }
    }
    return s;
}

Session::Session(asio::any_io_executor executor, ProtonApi& api, SessionOptions options)
    : executor_(executor), api_(api), options_(std::move(options)), wake_(executor, asio::steady_timer::time_point::max()) {
    if (!options_.now) options_.now = unix_now;
    if (!options_.sleep) options_.sleep = [executor](std::chrono::seconds d) { return timer_sleep(executor, d); };
    if (!options_.secrets) options_.secrets = [] { return LoginSecrets{}; };
}

void Session::load() {
    auto text = read_file_if_exists(options_.file, max_session_bytes);
    if (!text) {
        log::warn("proton", "cannot read ", options_.file.string(), ": ", text.error().message);
        return;
    }
    if (!*text) return;
    auto parsed = parse_session(**text);
    if (!parsed) {
        log::warn("proton", options_.file.string(), ": ", parsed.error().message, "; a new login will replace it");
        return;
    }
    log::add_secret(parsed->access_token);
    log::add_secret(parsed->refresh_token);
    session_ = std::move(*parsed);
    log::info("proton", "resumed the saved session of ", session_->user);
}

Credentials Session::credentials() const {
    if (!session_) return {};
    return Credentials{session_->uid, session_->access_token};
}

LoginSecrets Session::configured() const { return options_.secrets(); }

void Session::adopt(StoredSession session) {
    log::add_secret(session.access_token);
    log::add_secret(session.refresh_token);
    session_ = std::move(session);
    auto dir = ensure_private_dir(options_.file.parent_path());
    auto written = dir ? write_file_atomic(options_.file, session_json(*session_), 0600) : dir;
    if (!written) log::warn("proton", "cannot save the session: ", written.error().message);
}

void Session::forget() {
    session_.reset();
    std::error_code ec;
    std::filesystem::remove(options_.file, ec);
}

asio::awaitable<void> Session::lock() {
    while (busy_) co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    busy_ = true;
}

void Session::unlock() {
    busy_ = false;
    wake_.cancel();
}

template <class T, class F>
asio::awaitable<ApiResult<T>> Session::paced(F call) {
    for (int waits = 0;; ++waits) {
        ApiResult<T> r = co_await call();
        if (r || r.error().error.code != Errc::rate_limited) co_return r;
        auto delay = r.error().retry_after.count() > 0 ? r.error().retry_after : std::chrono::seconds{5};
        if (delay > options_.max_wait || waits >= options_.max_waits) co_return r;
        log::info("proton", "rate-limited by Proton; retrying in ", delay.count(), " s");
        co_await options_.sleep(delay);
    }
}

asio::awaitable<ApiResult<void>> Session::login(LoginSecrets secrets) {
    co_await lock();
    Unlock guard{this};
    co_return co_await login_locked(std::move(secrets));
}

asio::awaitable<ApiResult<void>> Session::login_locked(LoginSecrets secrets) {
    if (secrets.user.empty() || secrets.password.empty())
        co_return api_failure(Errc::not_configured,
                              "Proton credentials are not set: run pvpn init --proton");
    log::info("proton", "logging in as ", secrets.user);

    auto info = co_await paced<AuthInfo>([&] { return api_.auth_info(secrets.user, secrets.hv); });
    if (!info) co_return info.error();

    PgpKey key = pinned_proton_modulus_key();
    if (!options_.modulus_key.empty()) {
        auto configured_key = parse_pgp_public_key(options_.modulus_key);
        if (!configured_key) co_return to_api(configured_key.error());
        key = *configured_key;
    }
    auto modulus = decode_signed_modulus(info->modulus, key);
    if (!modulus) co_return to_api(modulus.error());
    auto proofs = make_proofs(secrets.user, secrets.password, info->version, info->salt, *modulus,
                              info->server_ephemeral);
    if (!proofs) co_return to_api(proofs.error());

    AuthRequest request{secrets.user, proofs->client_ephemeral_b64, proofs->client_proof_b64, info->srp_session};
    auto reply = co_await paced<AuthReply>([&] { return api_.auth(request, secrets.hv); });
    if (!reply) co_return reply.error();
    log::add_secret(reply->tokens.access_token);
    log::add_secret(reply->tokens.refresh_token);
    if (!verify_server_proof(*proofs, reply->server_proof))
        co_return api_failure(Errc::api_error,
                              "the Proton API could not prove it knows the password verifier; refusing the session");

    StoredSession session{secrets.user,
                          reply->tokens.uid,
                          reply->tokens.access_token,
                          reply->tokens.refresh_token,
                          options_.now() + reply->tokens.expires_in,
                          reply->tokens.scopes};
    bool const needs_2fa = session.has_scope("twofactor") || ((reply->twofa_enabled & 1) && !session.has_scope("vpn"));
    if (needs_2fa) {
        Credentials half{session.uid, session.access_token};
        if (secrets.twofa_code.empty()) {
            co_await api_.logout(half);
            co_return api_failure(Errc::twofa_required, "this Proton account needs a 2FA code");
        }
        auto scopes = co_await paced<std::vector<std::string>>([&] { return api_.auth_2fa(half, secrets.twofa_code); });
        if (!scopes) {
            co_await api_.logout(half);
            co_return scopes.error();
        }
        session.scopes = std::move(*scopes);
    }
    adopt(std::move(session));
    log::info("proton", "logged in as ", secrets.user);
    co_return ApiResult<void>{};
}

asio::awaitable<ApiResult<void>> Session::ensure(std::string twofa_code, std::optional<HvToken> hv) {
    co_await lock();
    Unlock guard{this};
    LoginSecrets secrets = configured();
    if (session_ && iequals(session_->user, secrets.user)) co_return ApiResult<void>{};
    if (session_) {
        log::info("proton", "the configured user changed; logging in again");
        co_await api_.logout(credentials());
        forget();
    }
    if (!twofa_code.empty()) secrets.twofa_code = std::move(twofa_code);
    if (hv) secrets.hv = std::move(hv);
    co_return co_await login_locked(std::move(secrets));
}

asio::awaitable<ApiResult<void>> Session::renew(std::string failed_access_token) {
    co_await lock();
    Unlock guard{this};
    if (session_ && session_->access_token != failed_access_token) co_return ApiResult<void>{};  // renewed meanwhile
    if (session_) {
        std::string const uid = session_->uid, refresh_token = session_->refresh_token;
        auto tokens = co_await paced<Tokens>([&] { return api_.refresh(uid, refresh_token); });
        if (tokens) {
            StoredSession renewed = *session_;
            if (!tokens->uid.empty()) renewed.uid = tokens->uid;
            renewed.access_token = tokens->access_token;
            renewed.refresh_token = tokens->refresh_token;
            renewed.expires = options_.now() + tokens->expires_in;
            if (!tokens->scopes.empty()) renewed.scopes = tokens->scopes;
            adopt(std::move(renewed));
            log::info("proton", "refreshed the session tokens");
            co_return ApiResult<void>{};
        }
        if (!tokens.error().session_invalid) co_return tokens.error();
        log::info("proton", "Proton refused the refresh token; logging in again");
        forget();
    }
    co_return co_await login_locked(configured());
}

template <class T, class F>
asio::awaitable<ApiResult<T>> Session::authed(F call) {
    if (!session_) {
        auto r = co_await renew({});
        if (!r) co_return r.error();
    } else if (session_->expires - options_.refresh_margin.count() <= options_.now()) {
        auto r = co_await renew(session_->access_token);
        if (!r) co_return r.error();
    }
    for (int attempt = 0;; ++attempt) {
        Credentials creds = credentials();
        ApiResult<T> r = co_await paced<T>([&] { return call(creds); });
        if (r || !r.error().session_expired || attempt > 0) co_return r;
        auto renewed = co_await renew(creds.access_token);
        if (!renewed) co_return renewed.error();
    }
}

asio::awaitable<ApiResult<void>> Session::logout() {
    co_await lock();
    Unlock guard{this};
    if (!session_) co_return ApiResult<void>{};
    auto r = co_await api_.logout(credentials());
    forget();
    log::info("proton", "logged out");
    co_return r;
}

asio::awaitable<ApiResult<VpnInfo>> Session::vpn_info() {
    co_return co_await authed<VpnInfo>([this](Credentials c) { return api_.vpn_info(std::move(c)); });
}

asio::awaitable<ApiResult<LogicalsReply>> Session::logicals(std::string if_modified_since) {
    co_return co_await authed<LogicalsReply>(
        [this, &if_modified_since](Credentials c) { return api_.logicals(std::move(c), if_modified_since); });
}

asio::awaitable<ApiResult<std::vector<LoadUpdate>>> Session::loads() {
    co_return co_await authed<std::vector<LoadUpdate>>([this](Credentials c) { return api_.loads(std::move(c)); });
}

asio::awaitable<ApiResult<ClientConfig>> Session::client_config() {
    co_return co_await authed<ClientConfig>([this](Credentials c) { return api_.client_config(std::move(c)); });
}

asio::awaitable<ApiResult<CertificateReply>> Session::certificate(CertificateRequest request) {
    co_return co_await authed<CertificateReply>(
        [this, &request](Credentials c) { return api_.certificate(std::move(c), request); });
}

} // namespace pvpn::proton
