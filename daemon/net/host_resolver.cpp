#include "daemon/net/host_resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pvpn::net {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<Result<TcpEndpoints>> SystemResolver::resolve(std::string host, std::string port,
                                                              std::chrono::milliseconds deadline) {
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    asio::ip::tcp::resolver resolver(executor_);
    asio::steady_timer timer(executor_);
    timer.expires_after(deadline);
    auto resolved = co_await (resolver.async_resolve(host, port, use_tuple) || timer.async_wait(use_tuple));
    if (resolved.index() == 1) co_return fail(Errc::network, "cannot resolve " + host + ": timed out");
    auto [ec, results] = std::get<0>(resolved);
    if (ec) co_return fail(Errc::network, "cannot resolve " + host + ": " + ec.message());
    TcpEndpoints out;
    for (auto const& entry : results) out.push_back(entry.endpoint());
    if (out.empty()) co_return fail(Errc::network, "cannot resolve " + host + ": no address");
    co_return out;
}

} // namespace pvpn::net
