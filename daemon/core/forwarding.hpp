// Port forwarding for one connection: the local agent session that asks the
// server for it, the NAT-PMP lease on the tunnel gateway, and the qBittorrent
// sync that follows its port. Started once a connection is up, stopped before
// its tunnel changes or goes away.
#pragma once

#include "daemon/agent/local_agent.hpp"
#include "daemon/core/config.hpp"
#include "daemon/portfwd/lease_loop.hpp"
#include "daemon/qbt/sync.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::core {

class Forwarding {
public:
    using Publisher = std::function<void(boost::json::object event)>;

    /// `config` is read at each start() (and for qBittorrent's credentials at
    /// each login).
    Forwarding(boost::asio::any_io_executor executor, ConfigStore& config, Publisher publish);
    ~Forwarding();
    Forwarding(Forwarding const&) = delete;
    Forwarding& operator=(Forwarding const&) = delete;

    /// Starts the lease, the local agent session (when `agent` is given and
    /// names the server) and, when [qbittorrent] enable, the sync, for a
    /// tunnel just brought up on `ifname`. Stops previous ones first.
    void start(std::string const& ifname, std::optional<agent::AgentLogin> agent);

    /// A new certificate for the running connection: the local agent
    /// reconnects with it (Proton's clients do the same after every refresh).
    void certificate_renewed(std::string const& certificate_pem);

    /// Stops all at once; idempotent.
    void stop();

    /// status.v1's "port_forwarding".
    boost::json::object port_status() const;

    /// status.v1's "local_agent" ({"state": "off", ...} without a session).
    boost::json::object agent_status() const;

    /// status.v1's "qbittorrent": null while not connected (and enabled).
    boost::json::value qbt_status() const;

    /// Problems for status.v1's "warnings" (qBittorrent's, the local agent's).
    std::vector<std::string> warnings() const;

private:
    void heard(portfwd::LeaseSnapshot const& lease);

    boost::asio::any_io_executor executor_;
    ConfigStore& config_;
    Publisher publish_;
    std::unique_ptr<portfwd::LeaseLoop> lease_;
    std::unique_ptr<qbt::QbtSync> sync_;
    std::unique_ptr<agent::LocalAgent> agent_;
    std::string agent_off_;    ///< Why there is no agent session ("" = none was asked for).
    std::string qbt_error_;    ///< Why the sync could not start ("" = it runs or is disabled).
    bool had_port_ = false;    ///< This connection has had a forwarded port.
    std::uint16_t fallback_port_ = 0;
};

} // namespace pvpn::core
