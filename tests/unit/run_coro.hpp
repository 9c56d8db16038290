// Runs one coroutine to completion on a test's io_context and hands back its
// result (an exception inside it fails the test by propagating). The loop
// stops when the coroutine ends, whatever else is still waiting on it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <utility>

namespace pvpn::test {

template <class T>
T run_coro(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    std::optional<T> out;
    std::exception_ptr error;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
        [&](std::exception_ptr e) {
            error = e;
            io.stop();  // other work (e.g. a test server's accept loop) may still be pending
        });
    io.restart();
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
}

} // namespace pvpn::test
