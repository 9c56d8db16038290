#include "daemon/rpc/session.hpp"

#include "common/log.hpp"
#include "proto/jsonrpc.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace pvpn::rpc {
namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

void log_exception(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (std::exception const& ex) {
        log::error("rpc", "session task failed: ", ex.what());
    }
}

} // namespace

Session::Session(Server& server, asio::local::stream_protocol::socket socket, Peer peer)
    : server_(server), socket_(std::move(socket)), peer_(peer), wake_writer_(socket_.get_executor()),
      deadline_(socket_.get_executor()) {
    wake_writer_.expires_at(asio::steady_timer::time_point::max());
    deadline_.expires_at(asio::steady_timer::time_point::max());
}

void Session::start() {
    auto self = shared_from_this();
    asio::co_spawn(socket_.get_executor(), [self] { return self->read_loop(); }, log_exception);
    asio::co_spawn(socket_.get_executor(), [self] { return self->write_loop(); }, log_exception);
    asio::co_spawn(socket_.get_executor(), [self] { return self->watchdog(); }, log_exception);
}

void Session::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(asio::socket_base::shutdown_both, ec);
    socket_.close(ec);
    wake_writer_.cancel();
    deadline_.cancel();
    server_.forget(this);
}

void Session::send(std::string line) {
    if (closed_ || closing_) return;
    if (queued_bytes_ + line.size() > server_.limits_.max_queued_bytes && !queue_.empty()) {
        log::warn("rpc", "dropping client pid ", peer_.pid, ": it does not read its replies");
        close();
        return;
    }
    queued_bytes_ += line.size();
    queue_.push_back(std::move(line));
    wake_writer_.cancel_one();
}

asio::awaitable<void> Session::read_loop() {
    auto self = shared_from_this();
    proto::LineFramer framer(proto::max_request_bytes);
    std::array<char, 16384> buf{};
    while (!closed_ && !closing_) {
        boost::system::error_code ec;
        auto n = co_await socket_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
        if (ec || closed_) break;
        if (!framer.feed(std::string_view(buf.data(), n))) {
            send(proto::encode_error(nullptr, Error{Errc::message_too_large, "request larger than 64 KiB"}));
            closing_ = true;
            break;
        }
        while (auto line = framer.next_line()) {
            if (line->find_first_not_of(" \t") == std::string::npos) continue;
            co_await handle_line(*line);
            if (closed_ || closing_) break;
        }
        if (framer.poisoned()) {
            send(proto::encode_error(nullptr, Error{Errc::message_too_large, "request larger than 64 KiB"}));
            closing_ = true;
            break;
        }
        // A client that stops in the middle of a line gets a deadline.
        deadline_.expires_at(framer.pending() > 0
                                 ? asio::steady_timer::clock_type::now() + server_.limits_.partial_line_timeout
                                 : asio::steady_timer::time_point::max());
    }
    if (closing_) {
        wake_writer_.cancel_one();
    } else {
        close();
    }
}

asio::awaitable<void> Session::handle_line(std::string const& line) {
    auto parsed = proto::parse_request(line);
    if (!parsed) {
        auto const& err = parsed.error();
        send(proto::encode_error(err.id, err.error));
        // After a line that is not JSON the stream cannot be trusted.
        if (err.error.code == Errc::parse_error) closing_ = true;
        co_return;
    }
    auto& req = *parsed;
    CallContext ctx{peer_, weak_from_this()};
    Result<boost::json::value> result = fail(Errc::internal, "internal error");
    try {
        result = co_await server_.dispatcher_.call(req.method, req.params, ctx);
    } catch (std::exception const& ex) {
        log::error("rpc", req.method, " failed: ", ex.what());
        result = fail(Errc::internal, "internal error in " + req.method);
    }
    if (!req.has_id) co_return;
    if (result)
        send(proto::encode_result(req.id, std::move(*result)));
    else
        send(proto::encode_error(req.id, result.error()));
}

asio::awaitable<void> Session::write_loop() {
    auto self = shared_from_this();
    while (!closed_) {
        if (queue_.empty()) {
            if (closing_) break;
            boost::system::error_code ec;
            co_await wake_writer_.async_wait(asio::redirect_error(use_awaitable, ec));
            continue;
        }
        std::string line = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= line.size();
        boost::system::error_code ec;
        co_await asio::async_write(socket_, asio::buffer(line), asio::redirect_error(use_awaitable, ec));
        if (ec) break;
    }
    close();
}

asio::awaitable<void> Session::watchdog() {
    auto self = shared_from_this();
    while (!closed_) {
        boost::system::error_code ec;
        co_await deadline_.async_wait(asio::redirect_error(use_awaitable, ec));
        if (closed_) break;
        if (deadline_.expiry() <= asio::steady_timer::clock_type::now()) {
            log::info("rpc", "dropping client pid ", peer_.pid, ": partial request idle too long");
            close();
        }
    }
}

} // namespace pvpn::rpc
