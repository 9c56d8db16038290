// The health monitor's decision core: turns one check's measurements into a
// verdict (healthy, degraded, reconnect needed) per the spec's [monitor]
// section. Pure: no clock, no I/O; the driver (Monitor) feeds it.
//
// A check is bad when the gateway's answer timed out or came back over
// `latency_threshold`, or when WireGuard's last handshake is older than its
// reject-after time (no data can flow on such a session). `failures` bad
// checks in a row ask for a reconnect; one good check clears the count. A
// tunnel device that is gone asks for a reconnect at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pvpn::health {

/// The [monitor] settings the decision needs.
struct Settings {
    std::chrono::seconds interval{60};              ///< Between checks.
    int failures = 3;                               ///< Bad checks in a row before a reconnect.
    std::chrono::milliseconds latency_threshold{500};///< A slower answer is a bad check.
};

/// WireGuard rejects data on a session older than this (Reject-After-Time);
/// a healthy tunnel with keepalives re-handshakes every two minutes.
inline constexpr std::chrono::seconds handshake_stale{180};

/// How long a check waits for the gateway: twice the threshold (so a slow
/// answer still shows its RTT), at least 1 s, at most 10 s.
std::chrono::milliseconds probe_timeout(Settings const& settings);

/// One check's measurements (from a Probe).
struct Sample {
    /// The gateway's echo round trip; nullopt: no answer within the timeout.
    std::optional<std::chrono::microseconds> rtt;
    bool tunnel_present = true;                     ///< The device answered its status query.
    /// Since the last WireGuard handshake; nullopt: none yet.
    std::optional<std::chrono::seconds> handshake_age;
    std::uint64_t rx_bytes = 0;                     ///< Received so far on the tunnel.
};

/// What a check says about the tunnel.
enum class Health {
    healthy,    ///< The check was good.
    degraded,   ///< Bad, but fewer than `failures` in a row.
    reconnect,  ///< `failures` bad checks in a row (or the device is gone).
};

/// The judgement of one check.
struct Verdict {
    Health health = Health::healthy;
    int failures = 0;     ///< Bad checks in a row, this one included.
    std::string reason;   ///< Why this check was bad; empty when it was good.
};

/// Keeps the count of bad checks in a row (and whether bytes still arrive)
/// across the checks of one tunnel.
class Assessor {
public:
    explicit Assessor(Settings settings) : settings_(settings) {}

    /// Judges one check (they arrive in order, one per interval).
    Verdict assess(Sample const& sample);

    /// Forgets the history (a new tunnel, a new server).
    void reset();

    int failures() const { return failures_; }
    Settings const& settings() const { return settings_; }

private:
    Settings settings_;
    int failures_ = 0;
    std::optional<std::uint64_t> last_rx_;
    int rx_still_ = 0;  ///< Checks in a row that received nothing.
};

} // namespace pvpn::health
