// Keeps a forwarded port forwarded for as long as a connection lasts.
//
// Maps TCP and UDP ("any port", as Proton's clients ask) with a short
// lifetime (60 s) and renews well before it lapses (every `renew`, default
// 45 s). The port is the reply's public port, the same for both protocols; a
// renewal that comes back with another port is a new port (an event, and the
// listener hears of it). A gateway that refuses or does not answer (not a P2P
// server, no entitlement) makes the state "unavailable" with the reason;
// attempts go on with a capped backoff. Nothing here ever waits longer than a
// request's deadline or a timer.
#pragma once

#include "daemon/portfwd/lease_timing.hpp"
#include "daemon/portfwd/port_mapper.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::portfwd {

enum class LeaseState { off, pending, active, unavailable };

/// "off", "pending", "active" or "unavailable" (the words of status.v1).
std::string_view lease_state_name(LeaseState state);

struct LeaseOptions {
    std::chrono::seconds lifetime{60};  ///< Asked for on every request.
    Millis renew{45'000};               ///< Renewal period ([protonvpn] natpmp_renew).
    Millis max_backoff{60'000};         ///< Longest wait between failed attempts.
};

/// Where the lease stands.
struct LeaseSnapshot {
    LeaseState state = LeaseState::off;
    std::uint16_t port = 0;  ///< 0: no port.
    std::vector<Protocol> protocols;
    std::optional<std::chrono::steady_clock::time_point> expires;
    std::int64_t last_renewal = 0;  ///< Unix seconds of the last successful renewal; 0: none.
    std::string message;            ///< Why it is unavailable, or what is odd about it.
};

class LeaseLoop {
public:
    /// Called when the state or the port changes.
    using Listener = std::function<void(LeaseSnapshot const&)>;
    /// Receives watch.v1 events ({"type": "port", ...}).
    using Publisher = std::function<void(boost::json::object)>;

    LeaseLoop(boost::asio::any_io_executor executor, std::unique_ptr<PortMapper> mapper, LeaseOptions options,
              Publisher publish, Listener listener);
    /// Stops the loop (see stop()).
    ~LeaseLoop();
    LeaseLoop(LeaseLoop const&) = delete;
    LeaseLoop& operator=(LeaseLoop const&) = delete;

    /// Starts mapping in the background; state "pending" until the first answer.
    void start();

    /// Ends the loop at once: the request in progress is abandoned, no
    /// listener or publisher is called any more. The mapping is left to expire
    /// on its own (the tunnel is usually going away).
    void stop();

    LeaseSnapshot const& snapshot() const;

    /// status.v1's "port_forwarding": {state, port, protocols, expires_in,
    /// last_renewal, message}.
    boost::json::object status_json() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace pvpn::portfwd
