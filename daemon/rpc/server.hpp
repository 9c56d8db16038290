// The Unix-socket JSON-RPC server: accepts connections, checks each peer,
// and runs one Session per connection on the daemon's single io_context.
#pragma once

#include "common/error.hpp"
#include "daemon/rpc/dispatcher.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace pvpn::rpc {

struct ServerLimits {
    std::size_t max_connections = 64;
    std::chrono::seconds partial_line_timeout{30};
    std::size_t max_queued_bytes = 1024 * 1024;  ///< Per connection, replies + events.
};

class Server {
public:
    Server(boost::asio::io_context& io, Dispatcher const& dispatcher, std::filesystem::path socket_path,
           std::optional<gid_t> control_group, ServerLimits limits = {});
    ~Server();

    /// Binds the socket (mode 0666). Refuses if another daemon answers on it;
    /// removes a stale socket file left by a crash.
    Result<void> listen();

    /// Starts accepting (returns at once).
    void start();

    /// Stops accepting, closes every connection and removes the socket file.
    void stop();

    /// Sends `line` to every session subscribed with watch.v1.
    void broadcast(std::string const& line);

    std::size_t connections() const { return sessions_.size(); }

private:
    friend class Session;
    boost::asio::awaitable<void> accept_loop();
    void forget(Session* s);

    boost::asio::io_context& io_;
    Dispatcher const& dispatcher_;
    std::filesystem::path path_;
    std::optional<gid_t> control_group_;
    ServerLimits limits_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::set<std::shared_ptr<Session>> sessions_;
    bool stopped_ = false;
};

} // namespace pvpn::rpc
