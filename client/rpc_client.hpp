// A blocking JSON-RPC client for pvpnd's Unix socket.
//
// `pvpn` runs one command and exits, so blocking calls keep it simple; each
// wait still has a deadline (driven by an io_context) so a wedged daemon
// cannot hang the client forever.
#pragma once

#include "common/error.hpp"
#include "proto/jsonrpc.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pvpn::client {

/// Why a call did not produce a result.
struct CallError {
    enum class Kind {
        unreachable, ///< The socket is missing, refused or unusable (exit 3).
        transport,   ///< The connection broke, timed out or carried garbage (exit 1).
        rpc,         ///< The daemon answered with an error (exit per Errc).
        local,       ///< Failed in the client itself, e.g. input ended at a prompt (exit 1).
    };
    Kind kind = Kind::transport;
    Error error;
    boost::json::value data;  ///< The reply's error.data (rpc only).
};

/// Lets result<T, CallError>::value() throw (callers check first).
[[noreturn]] void throw_exception_from_error(CallError const& e, boost::source_location const& loc);

using CallResult = boost::system::result<boost::json::value, CallError>;

/// No deadline (e.g. while watching events).
inline constexpr std::chrono::milliseconds no_timeout{0};

/// One connection to pvpnd.
class RpcClient {
public:
    explicit RpcClient(std::string socket_path);

    /// Connects within `timeout`. ENOENT and ECONNREFUSED mean pvpnd is not running.
    std::optional<CallError> connect(std::chrono::milliseconds timeout);

    /// Sends one request and waits up to `timeout` for its reply
    /// (notifications arriving meanwhile are skipped).
    CallResult call(std::string_view method, boost::json::object params, std::chrono::milliseconds timeout);

    /// Waits for the next notification and passes its method and params to
    /// `on_event`. Returns nothing when interrupted by SIGINT/SIGTERM, an error
    /// when the daemon closes the connection or sends garbage.
    std::optional<CallError> wait_notification(
        std::function<void(std::string_view method, boost::json::object const& params)> const& on_event,
        bool stop_on_signal);

    /// True once SIGINT or SIGTERM ended a wait.
    bool interrupted() const { return interrupted_; }

    /// The socket this client talks to (for messages).
    std::string const& socket_path() const { return path_; }

private:
    /// Reads until a complete line is framed; the error on timeout, EOF or overflow.
    boost::system::result<std::string, CallError> read_line(std::chrono::milliseconds timeout);
    /// Runs the io_context until `done` is set or the deadline passes; false on timeout.
    bool run_until(bool const& done, std::chrono::milliseconds timeout);

    std::string path_;
    boost::asio::io_context io_;
    boost::asio::local::stream_protocol::socket socket_;
    std::unique_ptr<boost::asio::signal_set> signals_;  ///< SIGINT/SIGTERM while watching.
    proto::LineFramer framer_{proto::max_reply_bytes};
    std::int64_t next_id_ = 1;
    bool interrupted_ = false;
};

} // namespace pvpn::client
