#include "daemon/qbt/webui_client.hpp"

#include "common/log.hpp"
#include "daemon/net/http_client.hpp"

#include <boost/json/serialize.hpp>

#include <optional>

namespace pvpn::qbt {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr std::string_view form_type = "application/x-www-form-urlencoded";

/// The SID out of `Set-Cookie: SID=...; HttpOnly; path=/`, or "".
std::string sid_cookie(std::string_view set_cookie) {
    constexpr std::string_view name = "SID=";
    if (set_cookie.substr(0, name.size()) != name) return {};
    auto value = set_cookie.substr(name.size());
    return std::string(value.substr(0, value.find(';')));
}

std::string trimmed(std::string const& body) {
    auto end = body.find_last_not_of(" \r\n");
    return end == std::string::npos ? std::string() : body.substr(0, end + 1);
}

class WebUiClient final : public Qbittorrent {
public:
    WebUiClient(std::unique_ptr<net::HttpClient> http, std::string url, CredentialSource credentials)
        : http_(std::move(http)), url_(std::move(url)), credentials_(std::move(credentials)) {}

    asio::awaitable<Result<std::string>> version() override {
        auto r = co_await call(http::verb::get, "/api/v2/app/version", std::nullopt);
        if (!r) co_return r.error();
        co_return trimmed(r->body);
    }

    asio::awaitable<Result<Preferences>> preferences() override {
        auto r = co_await call(http::verb::get, "/api/v2/app/preferences", std::nullopt);
        if (!r) co_return r.error();
        co_return parse_preferences(r->body);
    }

    asio::awaitable<Result<void>> set_preferences(json::object changes) override {
        std::string const text = json::serialize(changes);
        std::optional<std::string> body = net::form_encode({{"json", text}});
        auto r = co_await call(http::verb::post, "/api/v2/app/setPreferences", std::move(body));
        if (!r) co_return r.error();
        co_return Result<void>{};
    }

    asio::awaitable<Result<std::vector<Torrent>>> torrents(std::string filter) override {
        std::string const target = "/api/v2/torrents/info?filter=" + filter;
        auto r = co_await call(http::verb::get, target, std::nullopt);
        if (!r) co_return r.error();
        co_return parse_torrents(r->body);
    }

    asio::awaitable<Result<void>> resume(std::vector<std::string> hashes, Version version) override {
        std::string joined;
        for (auto const& h : hashes) joined += (joined.empty() ? "" : "|") + h;
        std::string const target = version.major >= 5 ? "/api/v2/torrents/start" : "/api/v2/torrents/resume";
        std::optional<std::string> body = net::form_encode({{"hashes", joined}});
        auto r = co_await call(http::verb::post, target, std::move(body));
        if (!r) co_return r.error();
        co_return Result<void>{};
    }

    void cancel() override { http_->cancel(); }

private:
    /// One API call; a 403 means "log in first", once.
    asio::awaitable<Result<net::HttpResponse>> call(http::verb method, std::string target,
                                                    std::optional<std::string> form) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            net::Headers headers;
            if (!sid_.empty()) headers.emplace_back("Cookie", "SID=" + sid_);
            if (form) headers.emplace_back("Content-Type", std::string(form_type));
            auto r = co_await http_->request(method, target, std::move(headers), form);
            if (!r) co_return fail(Errc::network, "qBittorrent's WebUI at " + url_ + " is unreachable: " +
                                                      r.error().message);
            if (r->status == 403 && attempt == 0) {
                auto in = co_await login();
                if (!in) co_return in.error();
                continue;
            }
            if (r->status == 403)
                co_return fail(Errc::auth_failed, "qBittorrent's WebUI refuses pvpn (403 Forbidden) after a login");
            if (r->status != 200)
                co_return fail(Errc::network, "qBittorrent answered HTTP " + std::to_string(r->status) + " to " +
                                                  std::string(http::to_string(method)) + " " + target);
            co_return std::move(*r);
        }
        co_return fail(Errc::internal, "unreachable");
    }

    asio::awaitable<Result<void>> login() {
        sid_.clear();
        Credentials const creds = credentials_ ? credentials_() : Credentials{};
        if (creds.user.empty())
            co_return fail(Errc::auth_failed, "qBittorrent's WebUI wants a login: set its user and password with "
                                              "`pvpn init --qb`");
        if (refused_ && *refused_ == creds)
            co_return fail(Errc::auth_failed, refused_message(creds));
        std::optional<std::string> body = net::form_encode({{"username", creds.user}, {"password", creds.pass}});
        net::Headers headers{{"Content-Type", std::string(form_type)}};
        auto r = co_await http_->request(http::verb::post, "/api/v2/auth/login", std::move(headers), std::move(body));
        if (!r)
            co_return fail(Errc::network, "qBittorrent's WebUI at " + url_ + " is unreachable: " + r.error().message);
        if (r->status == 403)
            co_return fail(Errc::auth_failed, "qBittorrent has banned this address after too many failed logins "
                                              "(web_ui_ban_duration, one hour by default)");
        auto const answer = trimmed(r->body);
        if (r->status == 200 && answer == "Ok.") {
            sid_ = sid_cookie(r->header("Set-Cookie"));
            log::add_secret(sid_);
            refused_.reset();
            log::debug("qbt", "logged in to qBittorrent as ", creds.user);
            co_return Result<void>{};
        }
        if (r->status == 200 && answer == "Fails.") {
            refused_ = creds;
            co_return fail(Errc::auth_failed, refused_message(creds));
        }
        co_return fail(Errc::network, "qBittorrent answered HTTP " + std::to_string(r->status) + " \"" + answer +
                                          "\" to the login");
    }

    static std::string refused_message(Credentials const& creds) {
        return "qBittorrent refused the WebUI login of user '" + creds.user +
               "' (wrong user name or password): fix it with `pvpn init --qb`; pvpn does not retry the same "
               "password, as qBittorrent bans an address after 5 failed logins";
    }

    std::unique_ptr<net::HttpClient> http_;
    std::string url_;
    CredentialSource credentials_;
    std::string sid_;
    std::optional<Credentials> refused_;  ///< Credentials qBittorrent said "Fails." to.
};

} // namespace

Result<std::unique_ptr<Qbittorrent>> make_webui_client(asio::any_io_executor executor, std::string_view url,
                                                       CredentialSource credentials) {
    net::HttpOptions options;
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.io_timeout = std::chrono::milliseconds(5000);
    auto http = net::HttpClient::create(std::move(executor), url, options);
    if (!http) return http.error();
    return std::unique_ptr<Qbittorrent>(new WebUiClient(std::move(*http), std::string(url), std::move(credentials)));
}

} // namespace pvpn::qbt
