// What the tunnel changed in the system, written to <run_dir>/tunnel.json
// before each change is made, so that a pvpnd started after a crash (even
// SIGKILL) can undo exactly those changes, or adopt the tunnel. Undoing a
// change that was recorded but never made is harmless: every undo accepts
// "already gone".
//
// The file never holds the private key.
#pragma once

#include "common/error.hpp"
#include "daemon/net/netlink.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pvpn::tunnel {

/// The WireGuard device (its address, MTU and link state go with it).
struct DeviceStep {
    std::string ifname;
    std::string backend;     ///< "kernel" or "wireguard-go"
    std::optional<int> pid;  ///< wireguard-go's process, once started

    friend bool operator==(DeviceStep const&, DeviceStep const&) = default;
};
struct RouteStep {
    net::Route route;
    friend bool operator==(RouteStep const&, RouteStep const&) = default;
};
struct RuleStep {
    net::Rule rule;
    friend bool operator==(RuleStep const&, RuleStep const&) = default;
};
/// DNS applied through the Dns port (its backup, if any, is the port's).
struct DnsStep {
    std::string ifname;
    std::string backend;     ///< "resolv.conf" or "systemd-resolved"
    friend bool operator==(DnsStep const&, DnsStep const&) = default;
};

using Step = std::variant<DeviceStep, RouteStep, RuleStep, DnsStep>;

/// The tunnel as configured, for status and adoption (no secrets).
struct TunnelInfo {
    std::string ifname;
    std::string peer_public_key;
    std::string endpoint;
    std::string address;               ///< "10.2.0.2/32"
    std::string gateway;               ///< "10.2.0.1"
    std::vector<std::string> dns_servers;  ///< Empty when DNS was left alone
    std::uint32_t fwmark = 0;
    std::uint32_t table = 0;
    std::uint16_t keepalive = 0;       ///< Persistent keepalive, seconds

    friend bool operator==(TunnelInfo const&, TunnelInfo const&) = default;
};

struct Journal {
    TunnelInfo info;
    std::vector<Step> steps;  ///< In the order made; undone in reverse

    friend bool operator==(Journal const&, Journal const&) = default;
};

std::string journal_to_json(Journal const& journal);
/// Fails (Errc::internal) on anything that is not a journal this code wrote.
Result<Journal> journal_from_json(std::string_view text);

/// Writes the journal atomically (mode 0600).
Result<void> save_journal(std::filesystem::path const& path, Journal const& journal);
/// nullopt when there is no journal file.
Result<std::optional<Journal>> load_journal(std::filesystem::path const& path);
/// Removes the file; a missing file is fine.
Result<void> remove_journal(std::filesystem::path const& path);

} // namespace pvpn::tunnel
