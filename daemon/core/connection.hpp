// The user's story in one place: connect to the best matching server,
// disconnect, and say where things stand. Sees only ports (Proton session,
// server directory, certificates, tunnel, firewall, netlink, pinger), all on
// the daemon's one event loop.
//
// States: disconnected → connecting → connected → (disconnecting) →
// disconnected; a failed connect ends in disconnected (kill-switch off) or
// error (kill-switch on: traffic stays blocked). One operation runs at a
// time; a disconnect cancels a connect in progress. See docs/architecture.md.
#pragma once

#include "common/error.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/forwarding.hpp"
#include "daemon/core/params.hpp"
#include "daemon/core/proton_stack.hpp"
#include "daemon/firewall/firewall.hpp"
#include "daemon/net/netlink.hpp"
#include "daemon/proton/certificates.hpp"
#include "daemon/proton/server_directory.hpp"
#include "daemon/proton/session.hpp"
#include "daemon/tunnel/tunnel.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace pvpn::core {

enum class State { disconnected, connecting, connected, disconnecting, error };
std::string_view state_name(State state);

/// The system ports the connection drives (the Proton side is built from
/// config.ini on demand, see ProtonStack).
struct Ports {
    tunnel::Tunnel& tunnel;
    firewall::Firewall& firewall;
    net::Netlink& netlink;
};

/// The server a connection uses (copied out of the list, which may be refreshed).
struct ChosenServer {
    std::string name, entry_country, exit_country, city, entry_ip, domain, public_key;
    std::uint32_t features = 0;
    int load = 0;
};

class Connection {
public:
    using Publisher = std::function<void(boost::json::object event)>;

    Connection(boost::asio::io_context& io, Ports ports, ConfigStore& config, Publisher publish);

    /// At daemon start: cleans a tunnel left by a crashed pvpnd and keeps a
    /// kill-switch it finds in force (fail closed).
    boost::asio::awaitable<void> startup();

    boost::asio::awaitable<Result<boost::json::value>> connect(boost::json::object const& params);
    boost::asio::awaitable<Result<boost::json::value>> disconnect(boost::json::object const& params);
    boost::asio::awaitable<Result<boost::json::value>> list(boost::json::object const& params);
    boost::json::object status();

    State state() const { return state_; }

private:
    struct Candidate {
        std::uint32_t index;
        std::optional<std::chrono::microseconds> rtt;
    };

    /// The Proton stack for the current config (rebuilt when [protonvpn]
    /// changed and no operation is using the old one).
    Result<ProtonStack*> proton();
    boost::asio::awaitable<Result<void>> run_connect(ConnectParams params, std::uint64_t generation);
    boost::asio::awaitable<Result<std::vector<Candidate>>> rank(proton::ServerCache const& cache,
                                                                Selection const& selection, bool stop_early);
    boost::asio::awaitable<Result<void>> try_server(ProtonStack& stack, ChosenServer const& server,
                                                    ConnectParams const& params, std::uint64_t generation);
    boost::asio::awaitable<bool> wait_for_handshake(std::chrono::milliseconds limit);
    boost::asio::awaitable<Result<void>> teardown(bool keep_killswitch);
    Result<void> apply_firewall(firewall::Mode mode, ChosenServer const* server, std::string const& ifname);
    /// Before arming the kill-switch: looks the API up while DNS still works.
    boost::asio::awaitable<void> learn_api_address();
    boost::asio::awaitable<void> lock();
    void unlock();
    bool superseded(std::uint64_t generation) const { return generation != generation_; }
    void set_state(State state, std::string reason);
    void schedule_certificate_renewal();
    int stack_users_ = 0;  ///< Operations holding a ProtonStack pointer.

    boost::asio::io_context& io_;
    boost::asio::any_io_executor executor_;
    Ports ports_;
    std::unique_ptr<ProtonStack> stack_;
    ConfigStore& config_;
    Publisher publish_;

    State state_ = State::disconnected;
    std::int64_t since_ = 0;
    std::string reason_;
    std::optional<ChosenServer> server_;
    std::optional<ConnectParams> params_;
    bool killswitch_ = false;       ///< Our rules are in force.
    firewall::Mode fw_mode_ = firewall::Mode::off;
    std::uint64_t generation_ = 0;  ///< Bumped by every command; stale work stops.
    bool busy_ = false;
    boost::asio::steady_timer wake_;       ///< Wakes coroutines waiting in lock().
    boost::asio::steady_timer renew_timer_;
    Forwarding forwarding_;  ///< NAT-PMP lease + qBittorrent sync of the current connection.
};

/// "wgp" + country: the exit country's code, lower case.
std::string interface_for(ChosenServer const& server);

} // namespace pvpn::core
