#include "catch_result.hpp"
#include "daemon/net/https_client.hpp"
#include "run_coro.hpp"
#include "temp_dir.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <memory>

using namespace pvpn;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key new_key() { return Key(EVP_EC_gen("P-256")); }

void add_ext(X509* cert, X509* issuer, int nid, char const* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

/// A certificate for `key`, signed by `issuer_key` (self-signed when issuer is null).
Cert make_cert(EVP_PKEY* key, char const* cn, X509* issuer, EVP_PKEY* issuer_key, char const* san) {
    Cert cert(X509_new());
    X509_set_version(cert.get(), 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<unsigned char const*>(cn), -1, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    if (san) {
        add_ext(cert.get(), signer, NID_subject_alt_name, san);
    } else {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    REQUIRE(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return cert;
}

std::string pem(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

std::string pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

/// A TLS server on 127.0.0.1 for the tests: answers every request with its
/// path, counts connections, and can stay silent or send a big body.
struct TestServer {
    asio::io_context& io;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    int connections = 0;
    std::string last_mark_header;
    bool silent = false;
    std::size_t body_size = 0;
    std::string gzip_body;  ///< Sent as Content-Encoding: gzip to a request that accepts gzip.

    TestServer(asio::io_context& ctx, std::string const& chain, std::string const& key) : io(ctx) {
        tls.use_certificate_chain(asio::buffer(chain));
        tls.use_private_key(asio::buffer(key), asio::ssl::context::pem);
        asio::co_spawn(io, accept(), asio::detached);
    }

    unsigned short port() const { return acceptor.local_endpoint().port(); }

    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec) co_return;
            ++connections;
            asio::co_spawn(io, serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
        if (hec) co_return;
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [rec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
            if (rec) co_return;
            if (silent) {
                asio::steady_timer t(io, std::chrono::seconds(5));
                co_await t.async_wait(use_tuple);
                co_return;
            }
            http::response<http::string_body> res{http::status::ok, 11};
            res.set("X-Path", std::string(req.target()));
            res.set("X-Method", std::string(req.method_string()));
            res.body() = body_size ? std::string(body_size, 'x') : req.body();
            if (!gzip_body.empty() && req[http::field::accept_encoding] == "gzip") {
                res.set(http::field::content_encoding, "gzip");
                res.body() = gzip_body;
            }
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [wec, w] = co_await http::async_write(stream, res, use_tuple);
            if (wec) co_return;
        }
    }
};

struct Pki {
    Key ca_key = new_key();
    Cert ca = make_cert(ca_key.get(), "test CA", nullptr, nullptr, nullptr);
    Key other_key = new_key();
    Cert other_ca = make_cert(other_key.get(), "other CA", nullptr, nullptr, nullptr);
    Key leaf_key = new_key();
    Cert leaf = make_cert(leaf_key.get(), "api.test", ca.get(), ca_key.get(), "IP:127.0.0.1,DNS:api.test");
    test::TempDir dir;

    Pki() {
        test::write_text(dir / "ca.pem", pem(ca.get()));
        test::write_text(dir / "other.pem", pem(other_ca.get()));
    }
};

Result<net::HttpResponse> get(asio::io_context& io, std::string url, net::HttpsOptions options,
                              std::string target = "/hello") {
    auto client = net::HttpsClient::create(io, url, std::move(options));
    if (!client) return client.error();
    return test::run_coro(io, (*client)->request(http::verb::get, target, {}, std::nullopt));
}

} // namespace

TEST_CASE("https: base URLs", "[api][https]") {
    auto u = net::parse_https_url("https://vpn-api.proton.me");
    REQUIRE(u);
    CHECK(u->host == "vpn-api.proton.me");
    CHECK(u->port == "443");
    CHECK(u->prefix.empty());
    auto p = net::parse_https_url("https://account.proton.me:8443/api/");
    REQUIRE(p);
    CHECK(p->port == "8443");
    CHECK(p->prefix == "/api");
    auto v6 = net::parse_https_url("https://[::1]:444");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK_FALSE(net::parse_https_url("http://vpn-api.proton.me"));
    CHECK_FALSE(net::parse_https_url("https://:443"));
    CHECK_FALSE(net::parse_https_url("https://host:99999"));
    CHECK_FALSE(net::parse_https_url("https://host/?x=1"));
}

TEST_CASE("https: a request to a server with a certificate from the configured CA", "[api][https]") {
    Pki pki;
    asio::io_context io;
    TestServer server(io, pem(pki.leaf.get()) + pem(pki.ca.get()), pem(pki.leaf_key.get()));
    std::string const url = "https://127.0.0.1:" + std::to_string(server.port()) + "/prefix";
    net::HttpsOptions options;
    options.ca_file = pki.dir / "ca.pem";
    auto client = net::HttpsClient::create(io, url, options);
    REQUIRE(client);
    auto r = test::run_coro(io, (*client)->request(http::verb::post, "/echo", {{"X-Test", "1"}}, std::string("{}")));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header("x-path") == "/prefix/echo");
    CHECK(r->header("X-Method") == "POST");
    CHECK(r->body == "{}");

    // The connection is kept and reused.
    auto again = test::run_coro(io, (*client)->request(http::verb::get, "/two", {}, std::nullopt));
    REQUIRE(again);
    CHECK(server.connections == 1);

    // After the server side closes idle connections, the client reconnects by itself.
    (*client)->close_idle();
    auto third = test::run_coro(io, (*client)->request(http::verb::get, "/three", {}, std::nullopt));
    REQUIRE(third);
    CHECK(server.connections == 2);
}

TEST_CASE("https: wrong certificates are refused", "[api][https]") {
    Pki pki;
    asio::io_context io;
    TestServer server(io, pem(pki.leaf.get()) + pem(pki.ca.get()), pem(pki.leaf_key.get()));
    auto const port = std::to_string(server.port());

    SECTION("signed by a CA that is not the configured one") {
        net::HttpsOptions options;
        options.ca_file = pki.dir / "other.pem";
        auto r = get(io, "https://127.0.0.1:" + port, options);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
        CHECK(r.error().message.find("certificate verify failed") != std::string::npos);
    }
    SECTION("not trusted by the system CAs") {
        auto r = get(io, "https://127.0.0.1:" + port, {});
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
    }
    SECTION("issued for another name") {
        net::HttpsOptions options;
        options.ca_file = pki.dir / "ca.pem";
        auto r = get(io, "https://localhost:" + port, options);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
    }
    SECTION("an unreadable CA file is a configuration error") {
        net::HttpsOptions options;
        options.ca_file = pki.dir / "missing.pem";
        auto client = net::HttpsClient::create(io, "https://127.0.0.1:" + port, options);
        REQUIRE_FALSE(client);
        CHECK(client.error().code == Errc::config_invalid);
    }
}

TEST_CASE("https: body limit, read timeout, refused connection, socket mark", "[api][https]") {
    Pki pki;
    asio::io_context io;
    TestServer server(io, pem(pki.leaf.get()) + pem(pki.ca.get()), pem(pki.leaf_key.get()));
    std::string const url = "https://127.0.0.1:" + std::to_string(server.port());
    net::HttpsOptions options;
    options.ca_file = pki.dir / "ca.pem";

    SECTION("a body over the limit") {
        server.body_size = 2 * 1024 * 1024;
        options.max_body = 1024 * 1024;
        auto r = get(io, url, options);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("larger than 1 MiB") != std::string::npos);
    }
    SECTION("a server that never answers") {
        server.silent = true;
        options.io_timeout = std::chrono::milliseconds(300);
        auto r = get(io, url, options);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
        CHECK(r.error().message.find("timed out") != std::string::npos);
    }
    SECTION("nobody listening") {
        tcp::acceptor closed(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        auto const port = closed.local_endpoint().port();
        closed.close();
        auto r = get(io, "https://127.0.0.1:" + std::to_string(port), options);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::network);
    }
    SECTION("the socket mark is set before connecting") {
        options.socket_mark = 0xca6d;
        auto r = get(io, url, options);
        if (::geteuid() == 0) {
            REQUIRE(r);
            CHECK(r->status == 200);
        } else {
            REQUIRE_FALSE(r);
            CHECK(r.error().message.find("socket mark") != std::string::npos);
        }
    }
}

TEST_CASE("https: replies come gzipped when asked, and are decoded", "[api][https]") {
    Pki pki;
    asio::io_context io;
    TestServer server(io, pem(pki.leaf.get()) + pem(pki.ca.get()), pem(pki.leaf_key.get()));
    // "hello, pvpn\n", gzipped by Python's gzip module.
    std::vector<unsigned char> const hello{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x28, 0x28, 0x2b, 0xc8, 0xe3, 0x02, 0x00, 0x8c, 0x4c, 0x22, 0xfb, 0x0c, 0x00, 0x00, 0x00};
    server.gzip_body.assign(hello.begin(), hello.end());
    net::HttpsOptions options;
    options.ca_file = pki.dir / "ca.pem";
    auto client = net::HttpsClient::create(io, "https://127.0.0.1:" + std::to_string(server.port()), options);
    REQUIRE(client);
    auto r = test::run_coro(io, (*client)->request(http::verb::get, "/list", {}, std::nullopt));
    REQUIRE(r);
    CHECK(r->body == "hello, pvpn\n");
    CHECK(r->header("Content-Encoding").empty());

    server.gzip_body = "not gzip";
    auto bad = test::run_coro(io, (*client)->request(http::verb::get, "/list", {}, std::nullopt));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::network);
    CHECK(bad.error().message.find("gzip") != std::string::npos);
}
