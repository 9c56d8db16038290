#include "daemon/agent/tls_agent_channel.hpp"

#include "daemon/agent/proton_root_ca.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace pvpn::agent {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// TCP keepalive as Proton's Linux client sets it: 60 s idle, 30 s apart, 3 probes.
Result<void> set_keepalive(int fd) {
    int const on = 1, idle = 60, interval = 30, count = 3;
    if (::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0 ||
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) != 0 ||
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) != 0)
        return fail(Errc::network, std::string("cannot set TCP keepalive: ") + std::strerror(errno));
    return {};
}

class TlsChannel final : public AgentChannel {
public:
    TlsChannel(asio::any_io_executor executor, TlsChannelOptions options, std::unique_ptr<ssl::context> context,
               std::string server_name)
        : executor_(executor), options_(std::move(options)), context_(std::move(context)),
          stream_(executor, *context_), server_name_(std::move(server_name)) {}

    asio::awaitable<Result<void>> open() override {
        std::string const where = options_.host + ":" + std::to_string(options_.port);
        error_code ec;
        auto remote = asio::ip::make_address_v4(options_.host, ec);
        if (ec) co_return fail(Errc::internal, "bad local agent address " + options_.host);
        auto& socket = stream_.next_layer();
        if (auto r = prepare(socket); !r) co_return r.error();

        asio::steady_timer deadline(executor_);
        deadline.expires_after(options_.open_timeout);
        tcp::endpoint const to(remote, options_.port);
        auto connected = co_await (socket.async_connect(to, use_tuple) || deadline.async_wait(use_tuple));
        if (connected.index() == 1) co_return fail(Errc::network, "cannot connect to the local agent at " + where +
                                                                      ": no answer (no agent on this server?)");
        if (auto [cec] = std::get<0>(connected); cec)
            co_return fail(Errc::network, "cannot connect to the local agent at " + where + ": " + cec.message());

        if (!SSL_set_tlsext_host_name(stream_.native_handle(), server_name_.c_str()))
            co_return fail(Errc::internal, "cannot set the TLS server name " + server_name_);
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(server_name_));
        auto shaken = co_await (stream_.async_handshake(ssl::stream_base::client, use_tuple) ||
                                deadline.async_wait(use_tuple));
        if (shaken.index() == 1)
            co_return fail(Errc::network, "TLS handshake with the local agent at " + where + " timed out");
        if (auto [hec] = std::get<0>(shaken); hec) {
            std::string reason = hec.message();
            long const verify = SSL_get_verify_result(stream_.native_handle());
            if (verify != X509_V_OK)
                reason = std::string("its certificate for ") + server_name_ + " is not trusted (" +
                         X509_verify_cert_error_string(verify) + ")";
            co_return fail(Errc::network, "TLS handshake with the local agent at " + where + " failed: " + reason);
        }
        co_return Result<void>{};
    }

    asio::awaitable<Result<void>> send(std::string body) override {
        std::string const data = frame(body);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(data), use_tuple);
        if (ec) co_return fail(Errc::network, "cannot write to the local agent: " + ec.message());
        co_return Result<void>{};
    }

    asio::awaitable<Result<std::string>> receive() override {
        std::array<std::uint8_t, 4> header{};
        auto [hec, hn] = co_await asio::async_read(stream_, asio::buffer(header), use_tuple);
        if (hec) co_return fail(Errc::network, "the connection to the local agent ended: " + hec.message());
        auto length = body_length(header);
        if (!length) co_return length.error();
        std::string body(*length, '\0');
        auto [bec, bn] = co_await asio::async_read(stream_, asio::buffer(body), use_tuple);
        if (bec) co_return fail(Errc::network, "the connection to the local agent ended: " + bec.message());
        co_return body;
    }

    void close() override {
        error_code ec;
        stream_.next_layer().close(ec);
    }

private:
    /// Opens the socket bound to the tunnel device and address.
    Result<void> prepare(tcp::socket& socket) {
        error_code ec;
        socket.open(tcp::v4(), ec);
        if (ec) return fail(Errc::network, "cannot open a socket for the local agent: " + ec.message());
        int const fd = socket.native_handle();
        if (!options_.interface.empty()) {
            auto const& dev = options_.interface;
            if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev.data(), static_cast<socklen_t>(dev.size())) != 0)
                return fail(Errc::network, "cannot bind the local agent socket to " + dev + ": " +
                                               std::strerror(errno));
        }
        if (!options_.local_address.empty()) {
            auto local = asio::ip::make_address_v4(options_.local_address, ec);
            if (!ec) socket.bind(tcp::endpoint(local, 0), ec);
            if (ec)
                return fail(Errc::network, "cannot bind the local agent socket to " + options_.local_address + ": " +
                                               ec.message());
        }
        return set_keepalive(fd);
    }

    asio::any_io_executor executor_;
    TlsChannelOptions options_;
    std::unique_ptr<ssl::context> context_;
    ssl::stream<tcp::socket> stream_;
    std::string server_name_;
};

} // namespace

Result<std::unique_ptr<AgentChannel>> make_tls_channel(asio::any_io_executor executor,
                                                       TlsChannelOptions const& options, AgentLogin const& login) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(context->native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (options.ca_file.empty()) {
        auto const pem = proton_root_ca_pem();
        context->add_certificate_authority(asio::buffer(pem.data(), pem.size()), ec);
        if (ec) return fail(Errc::internal, "cannot load Proton's built-in root CA: " + ec.message());
    } else {
        context->load_verify_file(options.ca_file.string(), ec);
        if (ec)
            return fail(Errc::config_invalid, "cannot load [protonvpn] agent_ca_file " + options.ca_file.string() +
                                                  ": " + ec.message());
    }
    context->use_certificate_chain(asio::buffer(login.certificate_pem), ec);
    if (ec) return fail(Errc::config_invalid, "the VPN certificate does not load for the local agent: " + ec.message());
    context->use_private_key(asio::buffer(login.private_key_pem), ssl::context::pem, ec);
    if (ec) return fail(Errc::config_invalid, "the device key does not load for the local agent: " + ec.message());
    return std::unique_ptr<AgentChannel>(
        new TlsChannel(std::move(executor), options, std::move(context), login.server_name));
}

} // namespace pvpn::agent
