#include "daemon/qbt/sync.hpp"

#include "common/log.hpp"
#include "common/spawn_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <optional>

namespace pvpn::qbt {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct QbtSync::Impl {
    Impl(asio::any_io_executor ex, std::unique_ptr<Qbittorrent> a, SyncOptions o, Probe p, Publisher pub)
        : executor(std::move(ex)), api(std::move(a)), options(std::move(o)), probe(std::move(p)),
          publish(std::move(pub)), timer(executor) {}

    asio::any_io_executor executor;
    std::unique_ptr<Qbittorrent> api;
    SyncOptions options;
    Probe probe;
    Publisher publish;
    asio::steady_timer timer;
    bool running = false;
    bool stopped = false;
    bool wake = false;  ///< set_port() came while a poll was under way: no sleep after it.

    std::uint16_t desired = 0;  ///< The port qBittorrent must listen on; 0: not known yet.
    std::uint16_t applied = 0;  ///< The port last set and verified.
    bool force = true;          ///< Set again even if `applied` matches (restart, broken socket).
    std::optional<bool> reachable;
    std::string version_text;
    Version version;
    std::optional<long> listen_port;
    bool in_sync = false;
    std::optional<std::size_t> active;
    std::optional<Clock::time_point> resume_due;
    std::string message;  ///< What status shows.
    std::string problem;  ///< The current warning ("" = none).

    /// A problem: in status and, once per distinct text, in the log and as an event.
    void warn(std::string text) {
        in_sync = false;
        message = text;
        if (text == problem) return;
        problem = std::move(text);
        log::warn("qbt", problem, " (the VPN and the port forwarding go on)");
        if (publish) publish(json::object{{"type", "warning"}, {"source", "qbittorrent"}, {"message", problem}});
    }

    void all_well() {
        if (!problem.empty()) log::info("qbt", "qBittorrent is fine again");
        problem.clear();
        message.clear();
    }

    bool matches(Preferences const& p) const {
        return p.listen_port == desired && (!options.bind_interface || p.network_interface == options.interface);
    }

    std::string where(std::uint16_t port) const { return "port " + std::to_string(port) + " of the tunnel address"; }

    /// Probes until something listens or `limit` passes.
    asio::awaitable<bool> wait_listening(std::uint16_t port, std::chrono::milliseconds limit) {
        auto const use_tuple = asio::as_tuple(asio::use_awaitable);
        auto const end = Clock::now() + limit;
        for (;;) {
            bool ok = co_await probe(port);
            if (ok || stopped || Clock::now() >= end) co_return ok;
            asio::steady_timer pause(executor);
            pause.expires_after(100ms);
            co_await pause.async_wait(use_tuple);
        }
    }

    asio::awaitable<Result<void>> set_port_prefs(std::uint16_t port) {
        json::object prefs{{"listen_port", std::int64_t{port}}, {"random_port", false}, {"upnp", false}};
        if (options.bind_interface) prefs["current_network_interface"] = options.interface;
        co_return co_await api->set_preferences(std::move(prefs));
    }

    /// Sets, confirms and verifies the listen port.
    asio::awaitable<Result<void>> apply() {
        std::uint16_t const port = desired;
        if (auto r = co_await set_port_prefs(port); !r) co_return r.error();
        if (stopped) co_return Result<void>{};
        auto back = co_await api->preferences();
        if (!back) co_return back.error();
        listen_port = back->listen_port;
        if (!matches(*back))
            co_return fail(Errc::network, "qBittorrent did not take listen port " + std::to_string(port) +
                                              " (it reports " + std::to_string(back->listen_port) +
                                              (options.bind_interface ? " on '" + back->network_interface + "'" : "") +
                                              ")");
        if (probe && !stopped) {
            bool ok = co_await wait_listening(port, 1000ms);
            if (!ok && !stopped) {
                // qBittorrent ignores a write of the port it already has; a
                // different port makes it open new sockets.
                log::info("qbt", "qBittorrent reports listen port ", port, " but nothing listens on ", where(port),
                          ": bouncing the port");
                std::uint16_t const other = port < 65535 ? static_cast<std::uint16_t>(port + 1) : port - 1;
                if (auto r = co_await set_port_prefs(other); !r) co_return r.error();
                if (auto r = co_await set_port_prefs(port); !r) co_return r.error();
                ok = co_await wait_listening(port, 2000ms);
            }
            if (!ok && !stopped)
                co_return fail(Errc::network, "qBittorrent reports listen port " + std::to_string(port) +
                                                  " but nothing listens on " + where(port));
        }
        applied = port;
        force = false;
        in_sync = true;
        log::info("qbt", "qBittorrent listens on the forwarded port ", port,
                  options.bind_interface ? " (bound to " + options.interface + ")" : std::string());
        resume_due = Clock::now() + options.resume_after;
        co_return Result<void>{};
    }

    /// Resumes paused and stalled torrents when none is downloading.
    asio::awaitable<void> resume_check() {
        auto downloading = co_await api->torrents("downloading");
        if (!downloading || stopped) co_return;
        if (std::any_of(downloading->begin(), downloading->end(), [](Torrent const& t) { return t.dlspeed > 0; }))
            co_return;
        std::vector<std::string> hashes;
        std::array<std::string, 2> const filters{std::string(paused_filter(version)), "stalled"};
        for (auto const& name : filters) {
            std::string filter = name;
            auto list = co_await api->torrents(std::move(filter));
            if (!list || stopped) co_return;
            for (auto const& t : *list)
                if (std::find(hashes.begin(), hashes.end(), t.hash) == hashes.end()) hashes.push_back(t.hash);
        }
        if (hashes.empty()) co_return;
        auto const n = hashes.size();
        auto r = co_await api->resume(std::move(hashes), version);
        if (!r) log::warn("qbt", "resuming torrents failed: ", r.error().message);
        else log::info("qbt", "nothing was downloading: resumed ", n, " paused or stalled torrent(s)");
    }

    /// One look at qBittorrent, fixing what needs it.
    asio::awaitable<void> poll() {
        auto v = co_await api->version();
        if (stopped) co_return;
        if (!v) {
            if (reachable.value_or(true)) force = true;  // when it comes back: set the port again
            reachable = v.error().code == Errc::auth_failed;
            listen_port.reset();
            active.reset();
            warn(v.error().message);
            co_return;
        }
        if (!reachable.value_or(false) || *v != version_text) {
            log::info("qbt", "qBittorrent ", *v, " answers");
            force = true;
        }
        reachable = true;
        version_text = *v;
        version = parse_version(*v).value_or(Version{4, 0, 0});
        if (!desired) {
            all_well();
            message = "waiting for the forwarded port";
            co_return;
        }
        if (!force && applied == desired) {
            auto prefs = co_await api->preferences();
            if (stopped) co_return;
            if (!prefs) {
                warn(prefs.error().message);
                co_return;
            }
            listen_port = prefs->listen_port;
            if (!matches(*prefs)) {
                log::info("qbt", "qBittorrent's listen port is ", prefs->listen_port, ", not ", desired,
                          ": setting it again");
                force = true;
            } else if (probe && !co_await probe(desired)) {
                if (stopped) co_return;
                log::info("qbt", "nothing listens on ", where(desired), " any more: setting the port again");
                force = true;
            }
        }
        if (stopped) co_return;
        if (force || applied != desired) {
            auto r = co_await apply();
            if (stopped) co_return;
            if (!r) {
                warn(r.error().message);
                co_return;
            }
        }
        in_sync = true;
        all_well();
        auto list = co_await api->torrents("active");
        if (stopped) co_return;
        if (list) active = list->size();
        if (resume_due && Clock::now() >= *resume_due) {
            resume_due.reset();
            co_await resume_check();
        }
    }

    asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        auto const use_tuple = asio::as_tuple(asio::use_awaitable);
        while (!stopped) {
            wake = false;
            co_await poll();
            if (stopped || wake) continue;
            timer.expires_after(options.poll);
            co_await timer.async_wait(use_tuple);
        }
        (void)self;
    }
};

QbtSync::QbtSync(asio::any_io_executor executor, std::unique_ptr<Qbittorrent> api, SyncOptions options, Probe probe,
                 Publisher publish)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(api), std::move(options), std::move(probe),
                                   std::move(publish))) {}

QbtSync::~QbtSync() { stop(); }

void QbtSync::start() {
    if (impl_->running || impl_->stopped) return;
    impl_->running = true;
    auto impl = impl_;
    asio::co_spawn(impl->executor, impl->run(impl), log_failure("qbt", "the qBittorrent sync"));
}

void QbtSync::stop() {
    auto& s = *impl_;
    if (s.stopped) return;
    s.stopped = true;
    s.timer.cancel();
    s.api->cancel();
}

void QbtSync::set_port(std::uint16_t port) {
    auto& s = *impl_;
    if (s.stopped || port == s.desired) return;
    s.desired = port;
    s.in_sync = false;
    s.wake = true;
    s.timer.cancel();
}

json::object QbtSync::status_json() const {
    auto const& s = *impl_;
    json::object o;
    o["enabled"] = true;
    if (s.reachable) o["reachable"] = *s.reachable;
    else o["reachable"] = nullptr;
    if (s.listen_port) o["listen_port"] = *s.listen_port;
    else o["listen_port"] = nullptr;
    o["in_sync"] = s.in_sync && s.desired != 0 && s.applied == s.desired;
    if (s.active) o["active_torrents"] = *s.active;
    else o["active_torrents"] = nullptr;
    o["message"] = s.message;
    return o;
}

std::string const& QbtSync::warning() const { return impl_->problem; }

} // namespace pvpn::qbt
