// Proton's VPN servers as pvpnd keeps them: parsed once from /vpn/v1/logicals
// into compact structs, updated in place by /vpn/v1/loads, filtered and ranked
// without copying (the list holds about 15,000 servers; `list` must answer in
// well under 50 ms).
//
// A "logical" server is what users pick (CH#10); it is served by one or more
// "physical" servers, each with its own entry IP and WireGuard key
// (shared/docs/proton-api.md §3.1).
#pragma once

#include "common/error.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::proton {

/// Bits of a logical server's `Features`.
namespace feature {
inline constexpr std::uint32_t secure_core = 1;
inline constexpr std::uint32_t tor = 2;
inline constexpr std::uint32_t p2p = 4;
inline constexpr std::uint32_t streaming = 8;
inline constexpr std::uint32_t ipv6 = 16;
} // namespace feature

/// One machine behind a logical server.
struct PhysicalServer {
    std::string id;
    std::string entry_ip;  ///< Where WireGuard connects (EntryPerProtocol.WireGuardUDP.IPv4 if given).
    std::string exit_ip;
    std::string domain;    ///< TLS name of its local agent.
    std::string x25519_public_key;  ///< base64 WireGuard peer key; empty: no WireGuard.
    std::string label;
    bool enabled = false;  ///< Status == 1.

    /// Enabled and reachable over WireGuard.
    bool usable() const { return enabled && !entry_ip.empty() && !x25519_public_key.empty(); }
};

/// One logical server; its physical servers are a range of ServerList::physicals.
struct LogicalServer {
    std::string id;
    std::string name;           ///< e.g. "CH#10", "IS-CH#1".
    std::string entry_country;  ///< ISO 3166 alpha-2, upper case.
    std::string exit_country;
    std::string city;
    int tier = 0;               ///< 0 free, 2 plus.
    std::uint32_t features = 0;
    int status = 0;             ///< 1 = up; anything else is maintenance.
    int load = 0;               ///< Percent.
    double score = 0;           ///< Lower is better.
    std::uint32_t first_physical = 0;
    std::uint32_t physical_count = 0;

    bool has(std::uint32_t bit) const { return (features & bit) != 0; }
};

/// A load update for one logical server (GET /vpn/v1/loads).
struct LoadUpdate {
    std::string id;
    int load = 0;
    double score = 0;
    int status = 0;
};

/// The whole list; cheap to move, expensive to copy (copy only on purpose).
class ServerList {
public:
    std::vector<LogicalServer> logicals;
    std::vector<PhysicalServer> physicals;

    std::span<PhysicalServer const> physicals_of(LogicalServer const& logical) const;

    /// True when the logical is up and at least one of its physical servers is usable.
    bool online(LogicalServer const& logical) const;

    /// Applies new loads, scores and statuses by ID; unknown IDs are ignored.
    /// Returns how many servers were updated.
    std::size_t apply_loads(std::span<LoadUpdate const> updates);

    /// The logical server called `name` (case-insensitive), or nullptr.
    LogicalServer const* find(std::string_view name) const;
};

/// The list with what pvpnd needs to know about its age (servers.json).
struct ServerCache {
    ServerList servers;
    std::int64_t fetched_at = 0;        ///< Unix seconds of the last full fetch (or 304).
    std::int64_t loads_fetched_at = 0;  ///< Unix seconds of the last loads update.
    std::string last_modified;          ///< Last-Modified of the full list, for If-Modified-Since.
    int max_tier = 0;                   ///< The account's VPN.MaxTier when the list was fetched.
};

/// What the user asked for (`--cc --sc --p2p --threshold`) plus the account's tier.
struct ServerFilter {
    std::string country{};        ///< Exit country, 2 letters (any case); empty: any.
    bool secure_core = false;     ///< Only Secure Core servers; otherwise Secure Core is excluded.
    bool tor = false;             ///< Only Tor servers; otherwise Tor is excluded.
    bool p2p = false;             ///< Only P2P servers.
    std::optional<int> max_load{};  ///< --threshold: load ≤ this percent.
    int max_tier = 2;             ///< The account's VPN.MaxTier.
};

/// Indices into ServerList::logicals of every server that passes `filter` and
/// is online, best (lowest) score first, ties by load then name. When none
/// passes, Errc::no_server whose message names the filters that emptied the
/// list, e.g. "no server matches: 12 servers in CH, 3 of them P2P, none with
/// load ≤ 10%". An invalid country (not 2 letters) is Errc::invalid_params.
Result<std::vector<std::uint32_t>> select_servers(ServerList const& list, ServerFilter const& filter);

/// Reorders `by_score` (select_servers' answer) by round-trip time: servers
/// that answered first, fastest first; then the silent ones in score order.
/// `rtt[i]` belongs to `by_score[i]`.
std::vector<std::uint32_t> rank_by_rtt(std::span<std::uint32_t const> by_score,
                                       std::span<std::optional<std::chrono::microseconds> const> rtt);

/// The address `--fastest ping` probes for a logical server: the entry IP of
/// its first usable physical server ("" when it has none).
std::string_view probe_address(ServerList const& list, LogicalServer const& logical);

/// Picks one usable physical server of `logical` at random (as the official
/// clients do, to spread users); nullptr when there is none.
PhysicalServer const* pick_physical(ServerList const& list, LogicalServer const& logical, std::mt19937& rng);

/// Feature names for users and list.v1: "sc", "tor", "p2p", "streaming", "ipv6".
std::vector<std::string_view> feature_names(std::uint32_t features);

/// One server as list.v1 shows it (docs/rpc.md): name, country, entry_country,
/// city, load, score, tier, features; latency_ms when measured. For a whole
/// list, pass one shared monotonic resource
/// (boost::json::make_shared_resource<boost::json::monotonic_resource>()):
/// building 15,000 objects is then several times faster.
boost::json::object server_json(LogicalServer const& logical,
                                std::optional<std::chrono::microseconds> rtt = std::nullopt,
                                boost::json::storage_ptr storage = {});

} // namespace pvpn::proton
