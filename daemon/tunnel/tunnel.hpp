// The WireGuard tunnel as one unit: brings it up in a fixed order (device,
// keys and peer, address, MTU and link up, routes and rules, DNS), records
// every change in <run_dir>/tunnel.json before making it, and undoes exactly
// what it did: on a failure half-way (the network is never left
// half-configured), on down(), and after a crash (recover()).
//
// Sees only ports: Netlink, WireGuard, Dns.
#pragma once

#include "common/error.hpp"
#include "daemon/dns/dns.hpp"
#include "daemon/net/netlink.hpp"
#include "daemon/tunnel/journal.hpp"
#include "daemon/tunnel/routing.hpp"
#include "daemon/wg/wireguard.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::tunnel {

/// Proton's in-tunnel addresses (proton-api.md §5).
inline constexpr char const* default_address = "10.2.0.2/32";
inline constexpr char const* default_gateway = "10.2.0.1";
/// Keeps NAT mappings on the way open (Proton's configs use 25 s).
inline constexpr std::uint16_t default_keepalive = 25;

/// Everything needed to bring a tunnel up.
struct TunnelSpec {
    std::string ifname;                 ///< tunnel_ifname(cc): "wgpch"
    std::string private_key;            ///< base64; a secret, never logged or journaled
    std::string peer_public_key;        ///< base64, the server's X25519 key
    std::string endpoint;               ///< "ip:port" of the server
    std::string address = default_address;
    std::string gateway = default_gateway;  ///< The other end of the point-to-point link
    std::vector<std::string> dns_servers{default_gateway};
    bool use_dns = true;
    std::uint32_t fwmark = default_fwmark;
    std::uint32_t table = default_table;
    std::uint32_t rule_priority = default_rule_priority;
    unsigned mtu = tunnel_mtu;
    std::uint16_t persistent_keepalive = default_keepalive;
};

/// A new server for the running tunnel.
struct PeerSpec {
    std::string public_key;             ///< base64
    std::string endpoint;               ///< "ip:port"
};

struct TunnelStatus {
    std::string ifname;
    std::string backend;                ///< "kernel" or "wireguard-go"
    std::string endpoint;               ///< As configured
    std::string peer_public_key;
    std::int64_t last_handshake = 0;    ///< Unix seconds; 0: none yet
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
    std::vector<std::string> dns_servers;  ///< Empty when DNS was left alone
};

enum class RecoverMode {
    clean,  ///< Undo whatever the journal lists.
    adopt,  ///< Keep a tunnel whose device still works (restoring any missing route, rule or DNS); clean otherwise.
};

enum class Recovered {
    nothing,  ///< No journal (a leftover DNS backup, if any, was restored).
    cleaned,  ///< The journal's changes were undone.
    adopted,  ///< The tunnel is up and owned by this object.
};

/// "wgp" + the lower-cased country code: the spec's interface name.
std::string tunnel_ifname(std::string_view country_code);

/// Checks an interface name: 1-15 characters of [a-zA-Z0-9_.-], as the
/// kernel and wireguard-go's socket file name accept.
Result<void> validate_ifname(std::string_view ifname);

class Tunnel {
public:
    /// `run_dir` holds tunnel.json (created 0700 when needed).
    Tunnel(net::Netlink& netlink, wg::WireGuard& wireguard, dns::Dns& dns, std::filesystem::path run_dir);
    /// Leaves the system as it is: the tunnel outlives this object on purpose
    /// (fail closed); down() or recover() remove it.
    ~Tunnel() = default;

    Tunnel(Tunnel const&) = delete;
    Tunnel& operator=(Tunnel const&) = delete;

    /// Brings the tunnel up. On failure everything done so far is undone and
    /// the error (Errc::tunnel_failed) says which step failed and why. Fails
    /// at once if a tunnel is already up (use switch_peer or down first).
    boost::asio::awaitable<Result<void>> up(TunnelSpec spec);
    /// Undoes everything up() did, in reverse. Idempotent; also cleans a
    /// journal left on disk. Steps that cannot be undone stay in the journal
    /// for the next try, and the error names them.
    boost::asio::awaitable<Result<void>> down();
    /// Points the running device at another server: one atomic WireGuard
    /// reconfiguration; routes, rules and DNS stay (no gap).
    Result<void> switch_peer(PeerSpec const& peer);
    /// At startup: finds a journal from an earlier pvpnd and cleans or adopts.
    boost::asio::awaitable<Result<Recovered>> recover(RecoverMode mode);

    /// The tunnel's configuration and counters; an error when it is down.
    Result<TunnelStatus> status();
    bool is_up() const { return journal_.has_value(); }
    /// What is up, if anything (no secrets).
    std::optional<TunnelInfo> info() const;

    std::filesystem::path journal_path() const { return run_dir_ / "tunnel.json"; }

private:
    /// Appends `step` to the journal and saves it: before the change is made.
    Result<void> record(Step step);
    /// Drops the last step (its change failed and was not made) and saves.
    void forget_last();
    boost::asio::awaitable<Result<void>> bring_up(TunnelSpec const& spec);
    /// Undoes every journaled step in reverse; what fails stays journaled.
    boost::asio::awaitable<Result<void>> undo_all();
    boost::asio::awaitable<Result<void>> undo(Step const& step);
    Result<void> reassert(Journal const& journal);

    net::Netlink& netlink_;
    wg::WireGuard& wg_;
    dns::Dns& dns_;
    std::filesystem::path run_dir_;
    std::optional<Journal> journal_;
    bool busy_ = false;
};

} // namespace pvpn::tunnel
