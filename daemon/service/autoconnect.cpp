#include "daemon/service/autoconnect.hpp"

#include "common/log.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace pvpn::service {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

/// What a user's command would change: state, since and reason of status.v1.
json::object state_mark(core::Connection& connection) {
    auto status = connection.status();
    return json::object{{"state", status["state"]}, {"since", status["since"]}, {"reason", status["reason"]}};
}

} // namespace

bool worth_retrying(Errc code) {
    switch (code) {
    case Errc::network:
    case Errc::rate_limited:
    case Errc::api_error:
    case Errc::no_server:
    case Errc::tunnel_failed:
    case Errc::busy:
    case Errc::internal: return true;
    default: return false;
    }
}

std::chrono::seconds retry_delay(int attempt) {
    constexpr int first = 10;
    constexpr int most = 300;
    int shift = std::clamp(attempt - 1, 0, 5);
    return std::chrono::seconds(std::min(most, first << shift));
}

asio::awaitable<void> autoconnect(core::Connection& connection) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int attempt = 1;; ++attempt) {
        log::info("service", "autoconnect: connecting (attempt ", attempt, ")");
        json::object defaults;
        auto result = co_await connection.connect(defaults);
        if (result) {
            log::info("service", "autoconnect: connected");
            co_return;
        }
        if (!worth_retrying(result.error().code)) {
            log::warn("service", "autoconnect gave up: ", result.error().message);
            co_return;
        }
        auto const mark = state_mark(connection);
        auto const delay = retry_delay(attempt);
        log::warn("service", "autoconnect failed: ", result.error().message, "; trying again in ", delay.count(), " s");
        timer.expires_after(delay);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (state_mark(connection) != mark) {
            log::info("service", "autoconnect stopped: a command changed the connection meanwhile");
            co_return;
        }
    }
}

} // namespace pvpn::service
