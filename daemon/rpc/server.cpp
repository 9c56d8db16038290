#include "daemon/rpc/server.hpp"

#include "common/log.hpp"
#include "daemon/rpc/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/stat.h>

namespace pvpn::rpc {
namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

Server::Server(asio::io_context& io, Dispatcher const& dispatcher, std::filesystem::path socket_path,
               std::optional<gid_t> control_group, ServerLimits limits)
    : io_(io), dispatcher_(dispatcher), path_(std::move(socket_path)), control_group_(control_group),
      limits_(limits), acceptor_(io) {}

Server::~Server() { stop(); }

Result<void> Server::listen() {
    boost::system::error_code ec;
    if (std::filesystem::exists(std::filesystem::symlink_status(path_))) {
        stream::socket probe(io_);
        probe.connect(stream::endpoint(path_.string()), ec);
        if (!ec) return fail(Errc::busy, "another pvpnd is already listening on " + path_.string());
        if (!std::filesystem::is_socket(std::filesystem::symlink_status(path_)))
            return fail(Errc::internal, path_.string() + " exists and is not a socket; not removing it");
        std::filesystem::remove(path_, ec);
    }
    acceptor_.open(stream(), ec);
    if (!ec) acceptor_.bind(stream::endpoint(path_.string()), ec);
    if (!ec && ::chmod(path_.c_str(), 0666) != 0) ec.assign(errno, boost::system::system_category());
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(Errc::internal, "cannot listen on " + path_.string() + ": " + ec.message());
    log::info("rpc", "listening on ", path_.string());
    return {};
}

void Server::start() {
    asio::co_spawn(io_, accept_loop(), [](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& ex) {
            log::error("rpc", "accept loop failed: ", ex.what());
        }
    });
}

asio::awaitable<void> Server::accept_loop() {
    while (!stopped_) {
        boost::system::error_code ec;
        auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (stopped_) co_return;
        if (ec) {
            // EMFILE and friends: back off briefly instead of spinning.
            log::warn("rpc", "accept: ", ec.message());
            asio::steady_timer t(io_, std::chrono::milliseconds(100));
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        if (sessions_.size() >= limits_.max_connections) {
            log::warn("rpc", "refusing a connection: ", sessions_.size(), " already open");
            socket.close(ec);
            continue;
        }
        auto peer = peer_of(socket.native_handle(), control_group_);
        if (!peer) {
            log::warn("rpc", peer.error().message);
            socket.close(ec);
            continue;
        }
        auto session = std::make_shared<Session>(*this, std::move(socket), *peer);
        sessions_.insert(session);
        session->start();
    }
}

void Server::forget(Session* s) {
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (it->get() == s) {
            sessions_.erase(it);
            return;
        }
    }
}

void Server::broadcast(std::string const& line) {
    // Copy: send() may drop (and forget) a session while we iterate.
    auto current = sessions_;
    for (auto const& s : current)
        if (s->subscribed()) s->send(line);
}

void Server::stop() {
    if (stopped_) return;
    stopped_ = true;
    boost::system::error_code ec;
    if (acceptor_.is_open()) {
        acceptor_.close(ec);
        std::filesystem::remove(path_, ec);
    }
    auto current = sessions_;
    for (auto const& s : current) s->close();
}

} // namespace pvpn::rpc
