// A small plain-HTTP/1.1 client (Boost.Beast) for local web APIs such as
// qBittorrent's WebUI, for the daemon's single event loop.
//
// Plain HTTP only: it is meant for services on this machine or the LAN
// (the Proton API goes through HttpsClient). Every phase has a deadline,
// bodies have a size cap, one idle connection is kept for reuse, and cancel()
// ends the request in progress at once. It sends only the headers it is given
// plus Host (no Referer, no Origin).
#pragma once

#include "common/error.hpp"
#include "daemon/net/https_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pvpn::net {

struct HttpOptions {
    std::chrono::milliseconds connect_timeout{3'000};  ///< Resolve + TCP connect.
    std::chrono::milliseconds io_timeout{10'000};      ///< Writing the request / reading the whole reply.
    std::size_t max_body = 16 * 1024 * 1024;
};

/// Where a base URL points: http://host[:port][/prefix].
struct HttpUrl {
    std::string host;
    std::string port = "80";
    std::string prefix;  ///< Path prefix without trailing '/'; may be empty.
};

/// Parses a base URL; only http is accepted (Errc::config_invalid otherwise).
Result<HttpUrl> parse_http_url(std::string_view url);

/// True when `host` names this machine (localhost, 127.0.0.0/8, ::1).
bool is_loopback_host(std::string_view host);

/// One origin. Requests are served one at a time (a second one waits for no
/// one: it opens its own connection). Not thread-safe.
class HttpClient {
public:
    /// Fails (Errc::config_invalid) on a URL that is not http://.
    static Result<std::unique_ptr<HttpClient>> create(boost::asio::any_io_executor executor, std::string_view base_url,
                                                      HttpOptions options);
    ~HttpClient();
    HttpClient(HttpClient const&) = delete;
    HttpClient& operator=(HttpClient const&) = delete;

    /// Sends one request to `<prefix><target>`. Any HTTP status is a success
    /// here; no answer (refused, timeout, malformed or oversized reply,
    /// cancelled) is Errc::network with the reason. A reused connection that
    /// the server had closed is retried once on a new one.
    boost::asio::awaitable<Result<HttpResponse>> request(boost::beast::http::verb method, std::string target,
                                                         Headers headers, std::optional<std::string> body);

    /// Ends the request in progress (Errc::network "cancelled") and drops the
    /// idle connection.
    void cancel();

    HttpUrl const& url() const { return url_; }

private:
    struct Connection;
    HttpClient(boost::asio::any_io_executor executor, HttpUrl url, HttpOptions options);
    boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect();

    boost::asio::any_io_executor executor_;
    HttpUrl url_;
    HttpOptions options_;
    std::unique_ptr<Connection> idle_;
    Connection* active_ = nullptr;  ///< The connection of the request in progress.
    bool cancelled_ = false;
};

/// application/x-www-form-urlencoded: `name=value&...`, each part escaped.
std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

} // namespace pvpn::net
