#include "daemon/qbt/listen_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pvpn::qbt {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<bool> tcp_listening(asio::any_io_executor executor, std::string address, std::uint16_t port,
                                    std::chrono::milliseconds timeout) {
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(address, ec);
    if (ec) co_return false;
    asio::ip::tcp::socket socket(executor);
    asio::steady_timer timer(executor);
    timer.expires_after(timeout);
    asio::ip::tcp::endpoint const to(addr, port);
    auto done = co_await (socket.async_connect(to, use_tuple) || timer.async_wait(use_tuple));
    if (done.index() != 0) co_return false;
    auto [cec] = std::get<0>(done);
    socket.close(ec);
    co_return !cec;
}

} // namespace pvpn::qbt
