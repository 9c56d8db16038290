// The Proton session: logging in (SRP, second factor, human verification),
// keeping the tokens on disk, refreshing them, and running authenticated calls.
//
// Policy (shared/docs/proton-api.md §1): a stored session is reused across
// restarts; an expired or refused access token is refreshed (the rotated
// refresh token is saved at once), and only a refused refresh leads to a full
// login. Short rate limits (Retry-After ≤ 10 s) are waited out a few times;
// longer ones end in Errc::rate_limited. Tokens and passwords are never logged.
#pragma once

#include "daemon/proton/api.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::proton {

/// What session.json holds.
struct StoredSession {
    std::string user;  ///< The account it belongs to (a config change of user means a new login).
    std::string uid;
    std::string access_token;
    std::string refresh_token;
    std::int64_t expires = 0;  ///< Unix seconds when the access token stops working.
    std::vector<std::string> scopes;

    bool has_scope(std::string_view scope) const;
};

/// session.json text; the inverse of parse_session.
std::string session_json(StoredSession const& session);

/// Reads session.json text; Errc::config_invalid when it is not one.
Result<StoredSession> parse_session(std::string_view text);

/// What a login needs. `twofa_code` and `hv` are for this login only.
struct LoginSecrets {
    std::string user;
    std::string password;
    std::string twofa_code;   ///< The current TOTP code, or empty.
    std::optional<HvToken> hv;  ///< A solved human-verification token.
};

struct SessionOptions {
    std::filesystem::path file;  ///< <session_dir>/session.json.
    /// Armored OpenPGP key that signs the SRP modulus ([protonvpn] srp_modulus_key);
    /// empty: Proton's pinned key.
    std::string modulus_key;
    /// The configured credentials, read when a login is needed (also when a
    /// refresh is refused in the middle of another call).
    std::function<LoginSecrets()> secrets;
    /// Unix time in seconds (tests replace it).
    std::function<std::int64_t()> now;
    /// Waits out a rate limit (tests replace it); default: a timer on the executor.
    std::function<boost::asio::awaitable<void>(std::chrono::seconds)> sleep;
    std::chrono::seconds max_wait{10};  ///< Longer Retry-After: give up with rate_limited.
    int max_waits = 3;                  ///< Rate-limit waits per call.
    std::chrono::seconds refresh_margin{60};  ///< Refresh this long before the token expires.
};

class Session {
public:
    Session(boost::asio::any_io_executor executor, ProtonApi& api, SessionOptions options);

    /// Reads session.json if there is one; an unreadable one is ignored (and
    /// logged): the next call logs in again.
    void load();

    /// The current session, or nullptr when logged out.
    StoredSession const* current() const { return session_ ? &*session_ : nullptr; }

    /// A full login (SRP, 2FA when the account has it) that replaces any
    /// stored session. Errors: not_configured (no user or password),
    /// auth_failed (wrong password or code), twofa_required (no code given),
    /// human_verification (data: url, token), rate_limited, app_outdated,
    /// api_error (e.g. a bad modulus signature or server proof), network.
    boost::asio::awaitable<ApiResult<void>> login(LoginSecrets secrets);

    /// Makes sure there is a session for the configured user: the stored one,
    /// or a login with the configured secrets plus `twofa_code` and `hv` when
    /// given (a connect's --2fa / --hv-token).
    boost::asio::awaitable<ApiResult<void>> ensure(std::string twofa_code = {}, std::optional<HvToken> hv = {});

    /// Ends the session at Proton (best effort) and forgets it locally either way.
    boost::asio::awaitable<ApiResult<void>> logout();

    /// Authenticated calls: refreshed or logged in as needed (see file comment).
    boost::asio::awaitable<ApiResult<VpnInfo>> vpn_info();
    boost::asio::awaitable<ApiResult<LogicalsReply>> logicals(std::string if_modified_since);
    boost::asio::awaitable<ApiResult<std::vector<LoadUpdate>>> loads();
    boost::asio::awaitable<ApiResult<ClientConfig>> client_config();
    boost::asio::awaitable<ApiResult<CertificateReply>> certificate(CertificateRequest request);

private:
    template <class T, class F>
    boost::asio::awaitable<ApiResult<T>> paced(F call);
    template <class T, class F>
    boost::asio::awaitable<ApiResult<T>> authed(F call);

    boost::asio::awaitable<ApiResult<void>> login_locked(LoginSecrets secrets);
    boost::asio::awaitable<ApiResult<void>> renew(std::string failed_access_token);
    boost::asio::awaitable<void> lock();
    void unlock();
    /// Calls unlock() when the coroutine frame holding it unwinds.
    struct Unlock {
        Session* session;
        ~Unlock() { session->unlock(); }
    };
    void adopt(StoredSession session);
    void forget();
    Credentials credentials() const;
    LoginSecrets configured() const;

    boost::asio::any_io_executor executor_;
    ProtonApi& api_;
    SessionOptions options_;
    std::optional<StoredSession> session_;
    bool busy_ = false;  ///< A login or refresh is in flight; others wait for it.
    boost::asio::steady_timer wake_;
};

} // namespace pvpn::proton
