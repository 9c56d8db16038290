// The `killswitch` object of status.v1 (docs/rpc.md), read from the kernel so
// that it tells the truth after a restart too: which rules are in force, in
// which mode, and how much they dropped.
#pragma once

#include "daemon/firewall/firewall.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace pvpn::firewall {

/// {"enabled", "active", "mode", "allow_lan", "rules", "dropped_packets"?, "error"?}.
/// `enabled`: pvpnd keeps a kill-switch on. `active`: pvpn's rules are in the
/// kernel. Mode and allow_lan come from the rules' own stamp when the backend
/// writes one (nftables), else from `believed_mode` and `allow_lan`.
boost::json::object killswitch_status(Firewall& firewall, bool enabled, Mode believed_mode, bool allow_lan);

/// The packets counted by the drop rules of an `nft list table` text; nullopt
/// when the text has no counters (the iptables fallback lists none).
std::optional<std::uint64_t> dropped_packets(std::string_view listing);

} // namespace pvpn::firewall
