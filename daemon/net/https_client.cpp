#include "daemon/net/https_client.hpp"

#include "common/log.hpp"
#include "daemon/net/gzip.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace pvpn::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// Replaces a gzip-encoded body by its decoded form (and drops Content-Encoding).
Result<void> decode_body(HttpResponse& res, std::size_t max_body) {
    auto it = std::find_if(res.headers.begin(), res.headers.end(),
                           [](auto const& h) { return beast::iequals(h.first, "Content-Encoding"); });
    if (it == res.headers.end()) return {};
    if (!beast::iequals(it->second, "gzip")) return fail(Errc::network, "unknown Content-Encoding " + it->second);
    if (res.body.empty()) {  // HEAD, 304
        res.headers.erase(it);
        return {};
    }
    auto plain = gunzip(res.body, max_body);
    if (!plain) return plain.error();
    res.body = std::move(*plain);
    res.headers.erase(it);
    return {};
}

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_ip_literal(std::string const& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string describe(error_code const& ec) {
    if (ec == beast::error::timeout) return "timed out";
    return ec.message();
}

} // namespace

struct HttpsClient::Connection {
    Connection(asio::io_context& io, ssl::context& tls) : stream(io, tls) {}
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
};

std::string_view HttpResponse::header(std::string_view name) const {
    for (auto const& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

Result<HttpsUrl> parse_https_url(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (url.substr(0, scheme.size()) != scheme)
        return fail(Errc::config_invalid, "API URL must start with https:// (got '" + std::string(url) + "')");
    std::string_view rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    HttpsUrl out;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return fail(Errc::config_invalid, "bad IPv6 address in API URL");
        out.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':')
            return fail(Errc::config_invalid, "bad API URL '" + std::string(url) + "'");
    } else {
        auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (!authority.empty()) {
        std::string_view port = authority.substr(1);
        if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)
            return fail(Errc::config_invalid, "bad port in API URL '" + std::string(url) + "'");
        out.port = std::string(port);
    }
    if (out.host.empty()) return fail(Errc::config_invalid, "API URL has no host: '" + std::string(url) + "'");
    if (path.find_first_of("?#") != std::string_view::npos)
        return fail(Errc::config_invalid, "API URL must not have a query: '" + std::string(url) + "'");
    out.prefix = std::string(path);
    return out;
}

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(asio::io_context& io, std::string_view base_url,
                                                         HttpsOptions options) {
    auto url = parse_https_url(base_url);
    if (!url) return url.error();
    std::unique_ptr<HttpsClient> client(new HttpsClient(io, std::move(*url), std::move(options)));
    error_code ec;
    if (client->options_.ca_file.empty()) {
        client->tls_.set_default_verify_paths(ec);
        if (ec) return fail(Errc::internal, "cannot load the system CA certificates: " + ec.message());
    } else {
        client->tls_.load_verify_file(client->options_.ca_file.string(), ec);
        if (ec)
            return fail(Errc::config_invalid,
                        "cannot load CA file " + client->options_.ca_file.string() + ": " + ec.message());
    }
    return client;
}

HttpsClient::HttpsClient(asio::io_context& io, HttpsUrl url, HttpsOptions options)
    : io_(io), url_(std::move(url)), options_(std::move(options)), tls_(ssl::context::tls_client),
      system_resolver_(io.get_executor()),
      resolver_(options_.resolver ? options_.resolver : &system_resolver_) {
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls_.set_verify_mode(ssl::verify_peer);
}

HttpsClient::~HttpsClient() = default;

void HttpsClient::close_idle() { idle_.clear(); }

asio::awaitable<Result<std::unique_ptr<HttpsClient::Connection>>> HttpsClient::connect() {
    std::string const where = url_.host + ":" + url_.port;
    auto endpoints = co_await resolver_->resolve(url_.host, url_.port, options_.connect_timeout);
    if (!endpoints) co_return endpoints.error();

    std::string last_error = "no address";
    for (auto const& endpoint : *endpoints) {
        auto c = std::make_unique<Connection>(io_, tls_);
        auto& layer = beast::get_lowest_layer(c->stream);
        error_code ec;
        layer.socket().open(endpoint.protocol(), ec);
        if (ec) co_return fail(Errc::network, "cannot open a socket: " + ec.message());
        if (options_.socket_mark) {
            std::uint32_t mark = *options_.socket_mark;
            if (::setsockopt(layer.socket().native_handle(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
                co_return fail(Errc::network, std::string("cannot set the socket mark: ") + std::strerror(errno));
        }
        layer.expires_after(options_.connect_timeout);
        auto [cec] = co_await layer.async_connect(endpoint, use_tuple);
        if (cec) {
            last_error = endpoint.address().to_string() + ": " + describe(cec);
            continue;
        }
        if (!is_ip_literal(url_.host) && !SSL_set_tlsext_host_name(c->stream.native_handle(), url_.host.c_str()))
            co_return fail(Errc::internal, "cannot set TLS server name " + url_.host);
        c->stream.set_verify_mode(ssl::verify_peer);
        c->stream.set_verify_callback(ssl::host_name_verification(url_.host));
        layer.expires_after(options_.handshake_timeout);
        auto [hec] = co_await c->stream.async_handshake(ssl::stream_base::client, use_tuple);
        if (hec) {
            std::string reason = describe(hec);
            long verify = SSL_get_verify_result(c->stream.native_handle());
            if (verify != X509_V_OK) reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
            co_return fail(Errc::network, "TLS handshake with " + where + " failed: " + reason);
        }
        co_return c;
    }
    co_return fail(Errc::network, "cannot connect to " + where + ": " + last_error);
}

asio::awaitable<error_code> HttpsClient::exchange(Connection& c, http::verb method, std::string const& target,
                                                  Headers const& headers, std::optional<std::string> const& body,
                                                  HttpResponse& out, bool& got_bytes) {
    got_bytes = false;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, url_.port == "443" ? url_.host : url_.host + ":" + url_.port);
    // Proton's server list is a third of its size gzipped; any reply may come compressed.
    req.set(http::field::accept_encoding, "gzip");
    for (auto const& [name, value] : headers) req.set(name, value);
    if (body) req.body() = *body;
    req.keep_alive(true);
    req.prepare_payload();

    auto& layer = beast::get_lowest_layer(c.stream);
    layer.expires_after(options_.io_timeout);
    auto [wec, written] = co_await http::async_write(c.stream, req, use_tuple);
    if (wec) co_return wec;

    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_body);
    if (method == http::verb::head) parser.skip(true);
    auto [rec, read] = co_await http::async_read(c.stream, c.buffer, parser, use_tuple);
    got_bytes = parser.got_some();
    if (rec) co_return rec;
    layer.expires_never();

    auto& res = parser.get();
    out.status = res.result_int();
    out.headers.clear();
    for (auto const& field : res) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) co_return http::error::end_of_stream;
    co_return error_code{};
}

asio::awaitable<Result<HttpResponse>> HttpsClient::request(http::verb method, std::string target, Headers headers,
                                                           std::optional<std::string> body) {
    std::string const full_target = url_.prefix + target;
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::unique_ptr<Connection> c;
        bool const reused = !idle_.empty();
        if (reused) {
            c = std::move(idle_.back());
            idle_.pop_back();
        } else {
            auto fresh = co_await connect();
            if (!fresh) co_return fresh.error();
            c = std::move(*fresh);
        }
        HttpResponse out;
        bool got_bytes = false;
        error_code ec = co_await exchange(*c, method, full_target, headers, body, out, got_bytes);
        if (!ec || (ec == http::error::end_of_stream && out.status != 0)) {
            if (!ec && idle_.size() < options_.max_idle) idle_.push_back(std::move(c));
            if (auto plain = decode_body(out, options_.max_body); !plain)
                co_return fail(Errc::network, "no answer from " + url_.host + " to " +
                                                  std::string(http::to_string(method)) + " " + target + ": " +
                                                  plain.error().message);
            co_return out;
        }
        if (reused && !got_bytes) {
            log::debug("https", "reused connection to ", url_.host, " failed (", ec.message(), "), reconnecting");
            continue;
        }
        std::string reason = ec == http::error::body_limit ? "reply larger than " +
                                                                 std::to_string(options_.max_body / (1024 * 1024)) +
                                                                 " MiB"
                                                           : describe(ec);
        co_return fail(Errc::network, "no answer from " + url_.host + " to " + std::string(http::to_string(method)) +
                                          " " + target + ": " + reason);
    }
    co_return fail(Errc::network, "no answer from " + url_.host);
}

} // namespace pvpn::net
