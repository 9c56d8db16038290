#include "daemon/portfwd/lease_loop.hpp"

#include "common/log.hpp"
#include "common/spawn_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <exception>
#include <tuple>

namespace pvpn::portfwd {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string seconds_text(Millis d) { return std::to_string((d.count() + 999) / 1000) + " s"; }

/// What the user can do about a failure.
std::string hint(MapFailure kind) {
    switch (kind) {
    case MapFailure::refused: return " (not a P2P server, or port forwarding not granted: connect with --p2p)";
    case MapFailure::not_authorized: return " (the plan or the certificate does not grant port forwarding)";
    default: return "";
    }
}

json::array protocol_array(std::vector<Protocol> const& protocols) {
    json::array a;
    for (auto p : protocols) a.emplace_back(protocol_name(p));
    return a;
}

} // namespace

std::string_view lease_state_name(LeaseState state) {
    switch (state) {
    case LeaseState::off: return "off";
    case LeaseState::pending: return "pending";
    case LeaseState::active: return "active";
    case LeaseState::unavailable: return "unavailable";
    }
    return "off";
}

struct LeaseLoop::Impl {
    Impl(asio::any_io_executor ex, std::unique_ptr<PortMapper> m, LeaseOptions o, Publisher p, Listener l)
        : executor(std::move(ex)), mapper(std::move(m)), options(o), publish(std::move(p)), listener(std::move(l)),
          timer(executor) {}

    asio::any_io_executor executor;
    std::unique_ptr<PortMapper> mapper;
    LeaseOptions options;
    Publisher publish;
    Listener listener;
    asio::steady_timer timer;
    LeaseSnapshot snap;
    bool running = false;
    bool stopped = false;

    /// Tells the listener and watchers about a new state or port.
    void changed() {
        if (stopped) return;
        json::object event{{"type", "port"},
                           {"state", lease_state_name(snap.state)},
                           {"protocols", protocol_array(snap.protocols)},
                           {"message", snap.message}};
        if (snap.port) event["port"] = snap.port;
        else event["port"] = nullptr;
        if (publish) publish(std::move(event));
        if (listener) listener(snap);
    }

    /// After a TCP mapping (and the UDP attempt): the new lease; returns the
    /// lifetime granted for it.
    std::chrono::seconds granted(Mapping const& tcp, MapResult<Mapping> const& udp) {
        auto const before_state = snap.state;
        auto const before_port = snap.port;
        std::chrono::seconds lifetime = tcp.lifetime;
        snap.protocols = {Protocol::tcp};
        snap.message.clear();
        if (!udp) {
            snap.message = "UDP is not forwarded: " + udp.error().message;
        } else if (udp->public_port != tcp.public_port) {
            snap.message = "the gateway mapped UDP port " + std::to_string(udp->public_port) + " but TCP port " +
                           std::to_string(tcp.public_port) + ": only TCP is forwarded";
        } else {
            snap.protocols.insert(snap.protocols.begin(), Protocol::udp);
            lifetime = std::min(lifetime, udp->lifetime);
        }
        snap.state = LeaseState::active;
        snap.port = tcp.public_port;
        snap.expires = Clock::now() + lifetime;
        snap.last_renewal = now_unix();
        if (before_port != snap.port) {
            if (before_port)
                log::warn("portfwd", "the forwarded port changed from ", before_port, " to ", snap.port);
            else
                log::info("portfwd", "forwarded port ", snap.port, " (", snap.protocols.size() == 2 ? "udp+tcp" : "tcp",
                          "), lease ", lifetime.count(), " s");
            if (!snap.message.empty()) log::warn("portfwd", snap.message);
        } else {
            log::debug("portfwd", "renewed port ", snap.port, " for ", lifetime.count(), " s");
        }
        if (before_state != snap.state || before_port != snap.port) changed();
        return lifetime;
    }

    /// A failed attempt; returns how long to wait before the next one.
    Millis failed(MapError const& error, unsigned failures) {
        auto const now = Clock::now();
        if (snap.state == LeaseState::active && snap.expires && *snap.expires > now) {
            auto remaining = std::chrono::duration_cast<Millis>(*snap.expires - now);
            auto wait = retry_while_valid(failures, options.max_backoff, remaining);
            snap.message = "renewal failed (" + error.message + "); port " + std::to_string(snap.port) +
                           " holds for " + seconds_text(remaining) + " more";
            log::warn("portfwd", snap.message, "; retrying in ", seconds_text(wait));
            return wait;
        }
        auto wait = retry_backoff(failures, options.max_backoff);
        auto const before = snap.state;
        snap.state = LeaseState::unavailable;
        snap.port = 0;
        snap.protocols.clear();
        snap.expires.reset();
        snap.message = "port forwarding unavailable on this server: " + error.message + hint(error.kind);
        if (before != snap.state) {
            log::warn("portfwd", snap.message, "; retrying in ", seconds_text(wait));
            changed();
        } else {
            log::debug("portfwd", "still unavailable: ", error.message, "; retrying in ", seconds_text(wait));
        }
        return wait;
    }

    asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        auto const use_tuple = asio::as_tuple(asio::use_awaitable);
        snap.state = LeaseState::pending;
        snap.message = "asking the server's NAT-PMP gateway for a port";
        changed();
        unsigned failures = 0;
        while (!stopped) {
            Millis wait{0};
            auto const lifetime = options.lifetime;
            // TCP and UDP at once: the port is known after one round trip, not two.
            auto tcp_request = mapper->map(Protocol::tcp, lifetime);
            auto udp_request = mapper->map(Protocol::udp, lifetime);
            auto both = std::move(tcp_request) && std::move(udp_request);
            auto replies = co_await std::move(both);
            if (stopped) break;
            auto const& tcp = std::get<0>(replies);
            auto const& udp = std::get<1>(replies);
            if (!tcp) {
                wait = failed(tcp.error(), ++failures);
            } else {
                failures = 0;
                auto const lifetime_granted = granted(*tcp, udp);
                wait = next_renew(options.renew, lifetime_granted);
            }
            timer.expires_after(wait);
            co_await timer.async_wait(use_tuple);
        }
        (void)self;
    }
};

LeaseLoop::LeaseLoop(asio::any_io_executor executor, std::unique_ptr<PortMapper> mapper, LeaseOptions options,
                     Publisher publish, Listener listener)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(mapper), options, std::move(publish),
                                   std::move(listener))) {}

LeaseLoop::~LeaseLoop() { stop(); }

void LeaseLoop::start() {
    if (impl_->running || impl_->stopped) return;
    impl_->running = true;
    auto impl = impl_;
    asio::co_spawn(impl->executor, impl->run(impl), log_failure("portfwd", "the lease loop"));
}

void LeaseLoop::stop() {
    auto& s = *impl_;
    if (s.stopped) return;
    s.stopped = true;
    s.timer.cancel();
    s.mapper->cancel();
    if (s.running) log::debug("portfwd", "lease loop stopped");
    s.snap = LeaseSnapshot{};
}

LeaseSnapshot const& LeaseLoop::snapshot() const { return impl_->snap; }

json::object LeaseLoop::status_json() const {
    auto const& s = impl_->snap;
    json::object o;
    o["state"] = lease_state_name(s.state);
    if (s.port) o["port"] = s.port;
    else o["port"] = nullptr;
    o["protocols"] = protocol_array(s.protocols);
    if (s.expires) {
        auto left = std::chrono::duration_cast<std::chrono::seconds>(*s.expires - Clock::now()).count();
        o["expires_in"] = std::max<std::int64_t>(left, 0);
    } else {
        o["expires_in"] = nullptr;
    }
    if (s.last_renewal) o["last_renewal"] = s.last_renewal;
    else o["last_renewal"] = nullptr;
    o["message"] = s.message;
    return o;
}

} // namespace pvpn::portfwd
