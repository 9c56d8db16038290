// The user's story in one place: connect to the best matching server,
// disconnect, keep the connection alive, and say where things stand. Sees
// only ports (Proton session, server directory, certificates, tunnel,
// firewall, netlink, the health probe), all on the daemon's one event loop.
//
// States (docs/architecture.md has the drawing):
//   disconnected -> connecting -> connected -> disconnecting -> disconnected
//   connected -> reconnecting -> connected     (the monitor gave up on the server)
//   a failed connect ends in disconnected (kill-switch off) or error (on:
//   traffic stays blocked); a failure that retrying cannot fix ends in error.
// While reconnecting, rounds that find no working server are spaced by a
// capped backoff; the kill-switch, when on, stays closed throughout. One
// operation runs at a time; a user's command supersedes a connect or a
// reconnect in progress.
#pragma once

#include "common/error.hpp"
#include "daemon/core/chosen_server.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/forwarding.hpp"
#include "daemon/core/params.hpp"
#include "daemon/core/proton_stack.hpp"
#include "daemon/core/resume.hpp"
#include "daemon/firewall/firewall.hpp"
#include "daemon/health/backoff.hpp"
#include "daemon/health/monitor.hpp"
#include "daemon/health/rotation.hpp"
#include "daemon/net/link_monitor.hpp"
#include "daemon/net/netlink.hpp"
#include "daemon/proton/server_directory.hpp"
#include "daemon/tunnel/tunnel.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>

namespace pvpn::core {

/// The connection's states (see the file comment); `error` is blocked-on-error.
enum class State { disconnected, connecting, connected, reconnecting, disconnecting, error };
/// The state's name in status.v1 and events.
std::string_view state_name(State state);

/// The system ports the connection drives (the Proton side is built from
/// config.ini on demand, see ProtonStack).
struct Ports {
    tunnel::Tunnel& tunnel;
    firewall::Firewall& firewall;
    net::Netlink& netlink;
    health::Probe& probe;  ///< The monitor's checks of the running tunnel.
};

/// The state machine; see the file comment.
class Connection {
public:
    /// Receives watch.v1 events.
    using Publisher = std::function<void(boost::json::object event)>;

    /// `resume_file` is <run_dir>/connection.json (see resume.hpp).
    Connection(boost::asio::io_context& io, Ports ports, ConfigStore& config, std::filesystem::path resume_file,
               Publisher publish);

    /// At daemon start: keeps a kill-switch it finds in force (fail closed);
    /// with [service] resume, adopts the tunnel a previous pvpnd left (or
    /// reconnects with its parameters), else cleans that tunnel up; with
    /// [service] autoconnect and nothing to resume, connects.
    boost::asio::awaitable<void> startup();

    /// connect.v1: supersedes whatever runs; the status once connected, or why not.
    boost::asio::awaitable<Result<boost::json::value>> connect(boost::json::object const& params);
    /// disconnect.v1: supersedes a connect or reconnect; the connection is no longer wanted.
    boost::asio::awaitable<Result<boost::json::value>> disconnect(boost::json::object const& params);
    /// list.v1: the matching servers, ranked.
    boost::asio::awaitable<Result<boost::json::value>> list(boost::json::object const& params);
    /// status.v1 (docs/rpc.md).
    boost::json::object status();

    /// The underlay changed (a link went down or up, an address came or
    /// went): re-fits the kill-switch to the new LAN, checks the tunnel at
    /// once, and ends a backoff wait early.
    void on_link_change(net::LinkEvent const& event);

    /// The current state.
    State state() const { return state_; }

private:
    struct Candidate {
        std::uint32_t index;
        std::optional<std::chrono::microseconds> rtt;
    };
    /// Who asked for a connect: the user (ranked as asked), or the monitor
    /// (recently failed servers go last).
    enum class Attempt { user, recovery };

    /// The Proton stack for the current config (rebuilt when [protonvpn]
    /// changed and no operation is using the old one).
    Result<ProtonStack*> proton();
    boost::asio::awaitable<Result<void>> run_connect(ConnectParams params, std::uint64_t generation, Attempt attempt);
    boost::asio::awaitable<Result<std::vector<Candidate>>> rank(proton::ServerCache const& cache,
                                                                Selection const& selection, bool stop_early);
    boost::asio::awaitable<Result<void>> try_server(ProtonStack& stack, ChosenServer const& server,
                                                    ConnectParams const& params, std::uint64_t generation,
                                                    Attempt attempt);
    boost::asio::awaitable<bool> wait_for_handshake(std::chrono::milliseconds limit);
    boost::asio::awaitable<Result<void>> teardown(bool keep_killswitch);
    Result<void> apply_firewall(firewall::Mode mode, ChosenServer const* server, std::string const& ifname);

    /// Startup with a connection to resume: adopt the tunnel when it still
    /// matches, else reconnect.
    void resume(ResumeState const& state, bool adopted);
    /// The monitor's result of one check.
    void on_check(health::Report const& report);
    /// Starts recover() in the background unless it is running.
    void start_recovery(std::string reason, bool reconnect);
    /// Connects with the current parameters until connected, superseded, or
    /// failed for good, with a backoff between rounds that found no working
    /// server. `reconnect`: the monitor gave up on the current server (state
    /// reconnecting, that server goes last); else a resume or autoconnect at
    /// startup (state connecting).
    boost::asio::awaitable<void> recover(std::string reason, bool reconnect);
    /// Waits `delay` (unlocked, so that commands can run) unless a command or
    /// a link change cuts it short; false when a command superseded the recovery.
    boost::asio::awaitable<bool> pause(std::chrono::milliseconds delay, std::uint64_t generation);
    /// Renews the certificate at its RefreshTime while `run` is current.
    boost::asio::awaitable<void> keep_certificate(std::uint64_t run);

    /// Before arming the kill-switch: looks the API up while DNS still works.
    boost::asio::awaitable<void> learn_api_address();
    boost::asio::awaitable<void> lock();
    void unlock();
    /// A user command: stale work (a connect, a reconnect or its wait) stops.
    std::uint64_t supersede();
    bool superseded(std::uint64_t generation) const { return generation != generation_; }
    void set_state(State state, std::string reason);
    void publish_monitor(std::string_view event, std::string const& reason);
    void remember(ChosenServer const* server);
    void forget();
    health::Settings monitor_settings() const;
    boost::json::object monitor_status() const;

    boost::asio::io_context& io_;
    boost::asio::any_io_executor executor_;
    Ports ports_;
    std::unique_ptr<ProtonStack> stack_;
    int stack_users_ = 0;  ///< Operations holding a ProtonStack pointer.
    ConfigStore& config_;
    std::filesystem::path resume_file_;
    Publisher publish_;

    State state_ = State::disconnected;
    std::int64_t since_ = 0;
    std::string reason_;
    std::optional<ChosenServer> server_;
    std::optional<ConnectParams> params_;  ///< What the user asked for, while a connection is wanted.
    bool killswitch_ = false;       ///< Our rules are in force.
    firewall::Mode fw_mode_ = firewall::Mode::off;
    std::uint64_t generation_ = 0;  ///< Bumped by every command; stale work stops.
    bool busy_ = false;
    boost::asio::steady_timer wake_;       ///< Wakes coroutines waiting in lock().
    boost::asio::steady_timer renew_timer_;
    std::uint64_t cert_run_ = 0;           ///< Bumped to end keep_certificate().
    Forwarding forwarding_;  ///< NAT-PMP lease + qBittorrent sync of the current connection.

    health::Monitor monitor_;
    health::Health health_ = health::Health::healthy;  ///< Of the last check.
    health::Backoff backoff_;
    health::RecentFailures recent_;
    boost::asio::steady_timer retry_timer_;
    std::mt19937 rng_;
    bool recovering_ = false;  ///< recover() is running.
    bool unproven_ = false;    ///< Reconnected, but no healthy check since.
    int reconnects_ = 0;
    std::string last_reason_;   ///< Why the last reconnect happened, or why its last round failed.
    std::int64_t next_retry_ = 0;  ///< Unix seconds of the next round while waiting; 0: none.
};

} // namespace pvpn::core
