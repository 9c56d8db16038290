#include "client/rpc_client.hpp"

#include "common/log.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <csignal>
#include <memory>

namespace pvpn::client {
namespace asio = boost::asio;
namespace json = boost::json;
using stream = asio::local::stream_protocol;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

CallError transport(std::string message) {
    return CallError{CallError::Kind::transport, Error{Errc::internal, std::move(message)}, nullptr};
}

std::string param_names(json::object const& params) {
    std::string out;
    for (auto const& kv : params) {
        if (!out.empty()) out += ", ";
        out += kv.key();
    }
    return out.empty() ? "none" : out;
}

std::string seconds(milliseconds d) { return std::to_string((d.count() + 999) / 1000) + " s"; }

} // namespace

void throw_exception_from_error(CallError const& e, boost::source_location const&) {
    throw ErrorException(e.error);
}

RpcClient::RpcClient(std::string socket_path) : path_(std::move(socket_path)), socket_(io_) {}

bool RpcClient::run_until(bool const& done, milliseconds timeout) {
    io_.restart();
    if (timeout == no_timeout) {
        while (!done)
            if (io_.run_one() == 0) break;
        return done;
    }
    auto const deadline = steady_clock::now() + timeout;
    while (!done)
        if (io_.run_one_until(deadline) == 0) break;
    if (done) return true;
    // Timed out: abort the pending operation and let its handler run.
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    io_.restart();
    while (!done)
        if (io_.run_one() == 0) break;
    return false;
}

std::optional<CallError> RpcClient::connect(milliseconds timeout) {
    auto unreachable = [this](std::string message) {
        return CallError{CallError::Kind::unreachable, Error{Errc::internal, std::move(message)}, nullptr};
    };
    stream::endpoint endpoint;
    try {
        endpoint = stream::endpoint(path_);
    } catch (boost::system::system_error const& e) {
        return unreachable("cannot use socket path " + path_ + ": " + e.code().message());
    }
    boost::system::error_code ec;
    bool done = false;
    socket_.async_connect(endpoint, [&](boost::system::error_code const& e) {
        ec = e;
        done = true;
    });
    if (!run_until(done, timeout))
        return unreachable("pvpnd did not accept a connection on " + path_ + " within " + seconds(timeout));
    if (ec == boost::system::errc::no_such_file_or_directory || ec == boost::system::errc::connection_refused ||
        ec == boost::system::errc::not_a_directory)
        return unreachable("pvpnd is not running (cannot connect to " + path_ +
                           "): start it with `systemctl start pvpnd`");
    if (ec) return unreachable("cannot connect to pvpnd at " + path_ + ": " + ec.message());
    log::debug("client", "connected to ", path_);
    return std::nullopt;
}

boost::system::result<std::string, CallError> RpcClient::read_line(milliseconds timeout) {
    auto const deadline = steady_clock::now() + timeout;
    std::array<char, 64 * 1024> buffer;
    for (;;) {
        if (auto line = framer_.next_line()) return std::move(*line);
        if (framer_.poisoned()) return transport("pvpnd sent a reply longer than 32 MiB");
        auto left = milliseconds(0);
        if (timeout != no_timeout) {
            left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
            if (left <= milliseconds(0)) left = milliseconds(1);
        }
        boost::system::error_code ec;
        std::size_t n = 0;
        bool done = false;
        socket_.async_read_some(asio::buffer(buffer), [&](boost::system::error_code const& e, std::size_t got) {
            ec = e;
            n = got;
            done = true;
        });
        bool const in_time = run_until(done, left);
        if (interrupted_) return transport("interrupted");
        if (!in_time) return transport("pvpnd did not answer within " + seconds(timeout));
        if (ec == asio::error::eof) return transport("pvpnd closed the connection");
        if (ec) return transport("reading from pvpnd failed: " + ec.message());
        if (!framer_.feed(std::string_view(buffer.data(), n)))
            return transport("pvpnd sent a reply longer than 32 MiB");
    }
}

CallResult RpcClient::call(std::string_view method, json::object params, milliseconds timeout) {
    auto const id = next_id_++;
    log::debug("client", "-> ", method, " id ", id, " params: ", param_names(params));
    auto const line = proto::encode_request(id, method, std::move(params));
    boost::system::error_code ec;
    bool done = false;
    asio::async_write(socket_, asio::buffer(line), [&](boost::system::error_code const& e, std::size_t) {
        ec = e;
        done = true;
    });
    if (!run_until(done, timeout)) return transport("pvpnd did not read the request within " + seconds(timeout));
    if (ec) return transport("sending to pvpnd failed: " + ec.message());

    auto const started = steady_clock::now();
    for (;;) {
        auto left = timeout;
        if (timeout != no_timeout) {
            left = timeout - std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
            if (left <= milliseconds(0)) return transport("pvpnd did not answer within " + seconds(timeout));
        }
        auto text = read_line(left);
        if (!text) return text.error();
        auto reply = proto::parse_reply(*text);
        if (!reply) return transport(reply.error().message);
        if (reply->is_notification()) continue;
        bool const ours = reply->id.is_null() || (reply->id.is_int64() && reply->id.as_int64() == id);
        if (!ours) {
            log::debug("client", "skipping a reply for another id");
            continue;
        }
        log::debug("client", "<- ", method, " id ", id, " (", text->size(), " bytes, ",
                   std::chrono::duration_cast<milliseconds>(steady_clock::now() - started).count(), " ms)",
                   reply->error ? " error: " + reply->error->message : std::string());
        if (reply->error) return CallError{CallError::Kind::rpc, std::move(*reply->error), std::move(reply->error_data)};
        return std::move(*reply->result);
    }
}

std::optional<CallError> RpcClient::wait_notification(
    std::function<void(std::string_view, json::object const&)> const& on_event, bool stop_on_signal) {
    if (stop_on_signal && !signals_) {
        // Kept for the rest of the run: dropping it would restore the default
        // disposition between two reads.
        signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM);
        signals_->async_wait([this](boost::system::error_code const& ec, int) {
            if (ec) return;
            interrupted_ = true;
            boost::system::error_code ignored;
            socket_.cancel(ignored);
        });
    }
    for (;;) {
        if (interrupted_) return std::nullopt;
        auto text = read_line(no_timeout);
        if (!text) {
            if (interrupted_) return std::nullopt;
            return text.error();
        }
        auto reply = proto::parse_reply(*text);
        if (!reply) return transport(reply.error().message);
        if (!reply->is_notification()) continue;
        on_event(reply->method, reply->params);
        return std::nullopt;
    }
}

} // namespace pvpn::client
