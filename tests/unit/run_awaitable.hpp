// Runs one coroutine to completion on a test's io_context, leaving other work
// (watches, timers) pending: the loop turns only until the coroutine is done.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <exception>
#include <optional>

namespace pvpn::test {

template <class T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    std::optional<T> out;
    std::exception_ptr error;
    bool done = false;
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) out.emplace(std::move(value));
        done = true;
    });
    io.restart();
    while (!done) io.run_one();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
}

/// Turns the loop for `duration` (lets watches and timers fire).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
    boost::asio::steady_timer timer(io, duration);
    bool done = false;
    timer.async_wait([&](boost::system::error_code) { done = true; });
    io.restart();
    while (!done) io.run_one();
}

} // namespace pvpn::test
