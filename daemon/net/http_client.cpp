#include "daemon/net/http_client.hpp"

#include "common/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>

namespace pvpn::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string describe(error_code const& ec) {
    if (ec == beast::error::timeout) return "timed out";
    if (ec == asio::error::operation_aborted) return "cancelled";
    return ec.message();
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

struct HttpClient::Connection {
    explicit Connection(asio::any_io_executor const& ex) : stream(ex) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
};

Result<HttpUrl> parse_http_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme)
        return fail(Errc::config_invalid, "URL must start with http:// (got '" + std::string(url) + "')");
    std::string_view rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (authority.find('@') != std::string_view::npos)
        return fail(Errc::config_invalid, "URL must not hold credentials: '" + std::string(url) + "'");
    HttpUrl out;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return fail(Errc::config_invalid, "bad IPv6 address in URL");
        out.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':')
            return fail(Errc::config_invalid, "bad URL '" + std::string(url) + "'");
    } else {
        auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (!authority.empty()) {
        std::string_view port = authority.substr(1);
        if (!all_digits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
            std::stoi(std::string(port)) > 65535)
            return fail(Errc::config_invalid, "bad port in URL '" + std::string(url) + "'");
        out.port = std::string(port);
    }
    if (out.host.empty()) return fail(Errc::config_invalid, "URL has no host: '" + std::string(url) + "'");
    if (path.find_first_of("?#") != std::string_view::npos)
        return fail(Errc::config_invalid, "URL must not have a query: '" + std::string(url) + "'");
    out.prefix = std::string(path);
    return out;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost") return true;
    error_code ec;
    auto addr = asio::ip::make_address(std::string(host), ec);
    return !ec && addr.is_loopback();
}

std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    auto escape = [&out](std::string_view s) {
        for (unsigned char c : s) {
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '~') {
                out += static_cast<char>(c);
            } else {
                out += '%';
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
    };
    for (auto const& [name, value] : fields) {
        if (!out.empty()) out += '&';
        escape(name);
        out += '=';
        escape(value);
    }
    return out;
}

Result<std::unique_ptr<HttpClient>> HttpClient::create(asio::any_io_executor executor, std::string_view base_url,
                                                       HttpOptions options) {
    auto url = parse_http_url(base_url);
    if (!url) return url.error();
    return std::unique_ptr<HttpClient>(new HttpClient(std::move(executor), std::move(*url), options));
}

HttpClient::HttpClient(asio::any_io_executor executor, HttpUrl url, HttpOptions options)
    : executor_(std::move(executor)), url_(std::move(url)), options_(options) {}

HttpClient::~HttpClient() = default;

void HttpClient::cancel() {
    cancelled_ = true;
    idle_.reset();
    if (active_) active_->stream.cancel();
}

asio::awaitable<Result<std::unique_ptr<HttpClient::Connection>>> HttpClient::connect() {
    std::string const where = url_.host + ":" + url_.port;
    tcp::resolver resolver(executor_);
    asio::steady_timer timer(executor_);
    timer.expires_after(options_.connect_timeout);
    auto resolved = co_await (resolver.async_resolve(url_.host, url_.port, use_tuple) || timer.async_wait(use_tuple));
    if (resolved.index() == 1) co_return fail(Errc::network, "cannot resolve " + url_.host + ": timed out");
    auto [rec, endpoints] = std::get<0>(resolved);
    if (rec) co_return fail(Errc::network, "cannot resolve " + url_.host + ": " + rec.message());

    std::string last_error = "no address";
    for (auto const& entry : endpoints) {
        auto c = std::make_unique<Connection>(executor_);
        c->stream.expires_after(options_.connect_timeout);
        active_ = c.get();
        auto [cec] = co_await c->stream.async_connect(entry.endpoint(), use_tuple);
        active_ = nullptr;
        if (cancelled_) co_return fail(Errc::network, "request to " + where + " cancelled");
        if (!cec) co_return c;
        last_error = describe(cec);
    }
    co_return fail(Errc::network, "cannot connect to " + where + ": " + last_error);
}

asio::awaitable<Result<HttpResponse>> HttpClient::request(http::verb method, std::string target, Headers headers,
                                                          std::optional<std::string> body) {
    cancelled_ = false;
    std::string const full_target = url_.prefix + target;
    std::string const what = std::string(http::to_string(method)) + " " + target;
    http::request<http::string_body> req{method, full_target, 11};
    req.set(http::field::host, url_.port == "80" ? url_.host : url_.host + ":" + url_.port);
    for (auto const& [name, value] : headers) req.set(name, value);
    if (body) req.body() = *body;
    req.keep_alive(true);
    req.prepare_payload();

    for (int attempt = 0; attempt < 2; ++attempt) {
        std::unique_ptr<Connection> c = std::move(idle_);
        bool const reused = c != nullptr;
        if (!c) {
            auto fresh = co_await connect();
            if (!fresh) co_return fresh.error();
            c = std::move(*fresh);
        }
        active_ = c.get();
        struct Done {
            Connection*& active;
            ~Done() { active = nullptr; }
        } done{active_};

        c->stream.expires_after(options_.io_timeout);
        auto [wec, written] = co_await http::async_write(c->stream, req, use_tuple);
        error_code ec = wec;
        http::response_parser<http::string_body> parser;
        parser.body_limit(options_.max_body);
        if (!ec) {
            if (method == http::verb::head) parser.skip(true);
            auto [rec, read] = co_await http::async_read(c->stream, c->buffer, parser, use_tuple);
            ec = rec;
        }
        if (cancelled_) co_return fail(Errc::network, what + " to " + url_.host + " cancelled");
        if (!ec) {
            c->stream.expires_never();
            auto& res = parser.get();
            HttpResponse out;
            out.status = res.result_int();
            for (auto const& field : res)
                out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
            out.body = std::move(res.body());
            if (res.keep_alive()) idle_ = std::move(c);
            co_return out;
        }
        if (reused && !parser.got_some()) {
            log::debug("http", "reused connection to ", url_.host, " failed (", ec.message(), "), reconnecting");
            continue;
        }
        std::string reason = ec == http::error::body_limit
                                 ? "reply larger than " + std::to_string(options_.max_body / (1024 * 1024)) + " MiB"
                                 : describe(ec);
        co_return fail(Errc::network, "no answer from " + url_.host + ":" + url_.port + " to " + what + ": " + reason);
    }
    co_return fail(Errc::network, "no answer from " + url_.host + ":" + url_.port + " to " + what);
}

} // namespace pvpn::net
