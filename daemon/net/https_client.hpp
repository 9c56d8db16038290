// A small HTTPS/1.1 client for JSON APIs, on Boost.Beast and OpenSSL, for the
// daemon's single event loop.
//
// The peer's certificate is always verified (system CAs, or one CA file) with
// SNI and host-name checks; there is no switch to turn that off. Every phase
// (resolve, connect, handshake, write, read) has a deadline, bodies have a
// size cap, idle connections are kept for reuse, and an optional socket mark
// lets the kill-switch recognise pvpnd's own API traffic. Requests accept gzip
// and replies come back decoded (the cap applies to the decoded body).
#pragma once

#include "common/error.hpp"
#include "daemon/net/host_resolver.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpn::net {

struct HttpsOptions {
    std::filesystem::path ca_file;  ///< Trust only this PEM bundle; empty: the system CAs.
    std::chrono::milliseconds connect_timeout{10'000};  ///< Resolve + TCP connect, per attempt.
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds io_timeout{60'000};  ///< Writing the request / reading the whole reply.
    std::size_t max_body = 32 * 1024 * 1024;
    std::optional<std::uint32_t> socket_mark;  ///< SO_MARK on every connection (needs CAP_NET_ADMIN).
    std::size_t max_idle = 2;  ///< Idle keep-alive connections kept.
    /// Finds the host's addresses (must outlive the client); null: the system resolver.
    HostResolver* resolver = nullptr;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
    unsigned status = 0;
    Headers headers;
    std::string body;

    /// The first header called `name` (case-insensitive), "" if none.
    std::string_view header(std::string_view name) const;
};

/// Where a base URL points: https://host[:port][/prefix].
struct HttpsUrl {
    std::string host;
    std::string port = "443";
    std::string prefix;  ///< Path prefix without trailing '/', e.g. "/api"; may be empty.
};

/// Parses a base URL; only https is accepted (Errc::config_invalid otherwise).
Result<HttpsUrl> parse_https_url(std::string_view url);

/// One origin (scheme, host, port); requests on the same loop may overlap,
/// each takes its own connection. Not thread-safe: use from the loop's thread.
class HttpsClient {
public:
    /// Loads the trust anchors; fails (Errc::config_invalid) on a bad URL or an
    /// unreadable CA file.
    static Result<std::unique_ptr<HttpsClient>> create(boost::asio::io_context& io, std::string_view base_url,
                                                       HttpsOptions options);
    ~HttpsClient();
    HttpsClient(HttpsClient const&) = delete;
    HttpsClient& operator=(HttpsClient const&) = delete;

    /// Sends one request to `<prefix><target>` and reads the reply. Any HTTP
    /// status is a success here; no answer (DNS, TCP, TLS, timeout, oversized
    /// or malformed reply) is Errc::network with the reason. A request on a
    /// reused connection that the server had closed is retried once on a new
    /// connection.
    boost::asio::awaitable<Result<HttpResponse>> request(boost::beast::http::verb method, std::string target,
                                                         Headers headers, std::optional<std::string> body);

    /// Drops idle connections (e.g. after the network changed).
    void close_idle();

    HttpsUrl const& url() const { return url_; }

private:
    struct Connection;
    HttpsClient(boost::asio::io_context& io, HttpsUrl url, HttpsOptions options);
    boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect();
    boost::asio::awaitable<boost::system::error_code> exchange(Connection& c, boost::beast::http::verb method,
                                                               std::string const& target, Headers const& headers,
                                                               std::optional<std::string> const& body,
                                                               HttpResponse& out, bool& got_bytes);

    boost::asio::io_context& io_;
    HttpsUrl url_;
    HttpsOptions options_;
    boost::asio::ssl::context tls_;
    SystemResolver system_resolver_;
    HostResolver* resolver_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

} // namespace pvpn::net
