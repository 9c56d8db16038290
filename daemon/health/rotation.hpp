// Which server to try next when the monitor rotates away: servers that failed
// recently go to the back of the list (least recently failed first), so a
// dead server is not picked again while another one matches the filters, yet
// something is always left to try when all of them failed. Also says which
// failures are worth retrying at all. Pure.
#pragma once

#include "common/error.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace pvpn::health {

/// Servers that failed lately, by name, with when.
class RecentFailures {
public:
    /// A failure older than `memory` is forgotten.
    explicit RecentFailures(std::chrono::seconds memory = std::chrono::minutes(30)) : memory_(memory) {}

    /// `server` failed (no handshake, or the monitor gave up on it) at `now` (unix seconds).
    void failed(std::string const& server, std::int64_t now);
    /// `server` works again.
    void succeeded(std::string const& server) { failed_.erase(server); }
    /// Forgets every failure (a round where all failed points at the network, not the servers).
    void clear() { failed_.clear(); }

    /// Positions into `names` (ranked best first): servers without a recent
    /// failure in their order, then the recently failed ones, the one that
    /// failed longest ago first.
    std::vector<std::size_t> order(std::span<std::string const> names, std::int64_t now) const;

    /// Whether `server` failed within the memory.
    bool recently_failed(std::string const& server, std::int64_t now) const;

private:
    std::chrono::seconds memory_;
    std::map<std::string, std::int64_t> failed_;  ///< Server name -> when it last failed.
};

/// Whether waiting and trying again can help: network, tunnel and API trouble
/// can pass; a wrong password, a missing 2FA code or setting cannot.
bool worth_retrying(Errc code);

} // namespace pvpn::health
