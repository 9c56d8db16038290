// The iptables fallback's rules, rendered as `iptables-restore --noflush`
// input (pure, golden-tested). Same policy as render_nft, one script per
// address family, in chains of pvpn's own that INPUT, OUTPUT and FORWARD jump
// to first. See docs/killswitch.md.
#pragma once

#include "daemon/firewall/policy.hpp"

#include <string>
#include <string_view>

namespace pvpn::firewall {

enum class IpFamily {
    v4, ///< iptables
    v6, ///< ip6tables
};

/// What `iptables-save -t filter` shows of pvpn's chains and jumps.
struct IptablesState {
    bool has_chains = false; ///< Any of PVPN-IN, PVPN-OUT, PVPN-FWD exists.
    int input_jumps = 0;     ///< "-A INPUT -j PVPN-IN" lines.
    int output_jumps = 0;    ///< "-A OUTPUT -j PVPN-OUT" lines.
    int forward_jumps = 0;   ///< "-A FORWARD -j PVPN-FWD" lines.
    bool jumps_first = false;///< INPUT, OUTPUT and FORWARD each begin with their jump.

    friend bool operator==(IptablesState const&, IptablesState const&) = default;
};

/// Reads the state from `iptables-save -t filter` (or ip6tables-save) output.
IptablesState read_iptables_state(std::string_view save_output);

/// The restore script that moves from `now` to `policy` for one family in
/// one commit: our chains (re)declared, which flushes them, and filled; each
/// existing jump deleted and one inserted at position 1. For Mode::off: the
/// jumps deleted and our chains flushed and removed. Interface names that
/// are not safe_interface_name are left out (fails closed).
std::string render_iptables(Policy const& policy, IpFamily family, IptablesState const& now);

/// Only pvpn's lines of a save output (chain headers, rules, jumps); empty
/// when there are none.
std::string pvpn_lines(std::string_view save_output);

} // namespace pvpn::firewall
