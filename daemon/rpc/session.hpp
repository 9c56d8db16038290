// One client connection: a reader that frames and dispatches requests in
// order, a writer that drains a bounded queue of replies and events, and a
// watchdog that drops a client stuck in the middle of a line.
#pragma once

#include "daemon/rpc/dispatcher.hpp"
#include "daemon/rpc/server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <string>

namespace pvpn::rpc {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(Server& server, boost::asio::local::stream_protocol::socket socket, Peer peer);

    void start();
    void close();

    /// Queues a line for the client; drops the client if its queue is full.
    void send(std::string line);

    void subscribe() { subscribed_ = true; }
    bool subscribed() const { return subscribed_; }
    Peer const& peer() const { return peer_; }

private:
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    boost::asio::awaitable<void> watchdog();
    boost::asio::awaitable<void> handle_line(std::string const& line);

    Server& server_;
    boost::asio::local::stream_protocol::socket socket_;
    Peer peer_;
    boost::asio::steady_timer wake_writer_;
    boost::asio::steady_timer deadline_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool subscribed_ = false;
    bool closing_ = false;       ///< Flush what is queued, then close.
    bool closed_ = false;
};

} // namespace pvpn::rpc
