#include "daemon/health/monitor.hpp"

#include "common/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pvpn::health {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

Monitor::Monitor(asio::any_io_executor executor, Probe& probe, Listener listener)
    : executor_(std::move(executor)), probe_(probe), listener_(std::move(listener)), timer_(executor_) {}

Monitor::~Monitor() { stop(); }

void Monitor::start(Settings settings) {
    stop();
    assessor_ = Assessor(settings);
    last_.reset();
    running_ = true;
    now_ = false;
    asio::co_spawn(executor_, loop(++run_), asio::detached);
}

void Monitor::stop() {
    if (!running_) return;
    running_ = false;
    ++run_;
    timer_.cancel();
}

void Monitor::check_now() {
    if (!running_) return;
    now_ = true;
    timer_.cancel();
}

asio::awaitable<void> Monitor::loop(std::uint64_t run) {
    auto const interval = assessor_.settings().interval;
    auto next = Clock::now() + interval;
    for (;;) {
        if (!now_) {
            timer_.expires_at(next);
            boost::system::error_code ec;
            co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (run != run_) co_return;
        }
        now_ = false;
        auto const started = Clock::now();
        auto const timeout = probe_timeout(assessor_.settings());
        auto sample = co_await probe_.sample(timeout);
        if (run != run_) co_return;
        Report report;
        report.verdict = assessor_.assess(sample);
        report.time = now_unix();
        report.rtt = sample.rtt;
        last_ = report;
        if (report.verdict.health != Health::healthy)
            log::info("monitor", "check ", report.verdict.failures, "/", assessor_.settings().failures,
                      " bad: ", report.verdict.reason);
        if (report.verdict.health == Health::reconnect) {
            running_ = false;
            ++run_;
        }
        if (listener_) listener_(report);
        if (run != run_) co_return;
        next = started + interval;
    }
}

} // namespace pvpn::health
