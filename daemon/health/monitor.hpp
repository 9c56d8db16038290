// The health monitor's driver on the event loop: one check per `interval`
// (a fixed cadence, however long a check takes, up to its timeout), each
// judged by the Assessor; the listener hears every result. After a verdict of
// "reconnect" the monitor stops itself: whoever reconnects starts it again on
// the new tunnel. Runs exactly while someone wants it (start/stop); nothing
// is called back after stop().
#pragma once

#include "daemon/health/assessor.hpp"
#include "daemon/health/probe.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace pvpn::health {

/// The result of one check.
struct Report {
    Verdict verdict;
    std::int64_t time = 0;                          ///< Unix seconds when it ended.
    std::optional<std::chrono::microseconds> rtt;   ///< The gateway's answer, if any.
};

/// The driver; see the file comment.
class Monitor {
public:
    /// Hears every check's result (on the event loop).
    using Listener = std::function<void(Report const&)>;

    /// `probe` must outlive the monitor.
    Monitor(boost::asio::any_io_executor executor, Probe& probe, Listener listener);
    ~Monitor();
    Monitor(Monitor const&) = delete;
    Monitor& operator=(Monitor const&) = delete;

    /// (Re)starts with a clean history; the first check is one interval away.
    void start(Settings settings);
    /// Stops checking; a check in flight is dropped.
    void stop();
    /// Checks at once instead of at the next tick (the network changed).
    void check_now();

    /// Whether checks are scheduled.
    bool running() const { return running_; }
    /// The last check since start(), if any.
    std::optional<Report> const& last() const { return last_; }

private:
    boost::asio::awaitable<void> loop(std::uint64_t run);

    boost::asio::any_io_executor executor_;
    Probe& probe_;
    Listener listener_;
    boost::asio::steady_timer timer_;
    Assessor assessor_{Settings{}};
    std::optional<Report> last_;
    std::uint64_t run_ = 0;  ///< Bumped by start/stop: a loop of an older run ends.
    bool running_ = false;
    bool now_ = false;       ///< check_now() was asked for.
};

} // namespace pvpn::health
