// The Firewall port: puts a kill-switch Policy in force in the kernel. The
// rules are kernel state, not process state: they stay when pvpnd exits or
// crashes (fail closed) and a restarted pvpnd finds them with current().
// Nothing here removes rules from a destructor; reset() is an explicit action.
//
// Calls are synchronous: each is a netlink transaction (nftables) or a short
// run of iptables-restore (fallback), answered at once.
#pragma once

#include "common/error.hpp"
#include "daemon/firewall/policy.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pvpn::firewall {

class Firewall {
public:
    virtual ~Firewall() = default;

    /// Replaces whatever pvpn rules are in force with `policy`, atomically:
    /// there is no instant with the old rules gone and the new ones missing.
    /// Mode::off is reset(). Reads the rules back before returning. On error
    /// the previous rules are still in force (the transaction was refused).
    virtual Result<void> apply(Policy const& policy) = 0;

    /// Removes pvpn's rules, and only ours; other tables and chains are untouched.
    virtual Result<void> reset() = 0;

    /// pvpn's rules now in the kernel as text (nftables: `nft list table inet
    /// pvpn`, with packet counters), or nullopt when there are none. Used by
    /// `status` and to adopt the rules of a previous pvpnd (read_stamp()).
    virtual Result<std::optional<std::string>> current() = 0;

    /// The mechanism in use: "nftables" or "iptables".
    virtual std::string_view backend() const = 0;
};

/// The real one: `table inet pvpn` through libnftables, each change one
/// transaction (one buffer to nft_run_cmd_from_buffer).
class NftFirewall final : public Firewall {
public:
    /// True when libnftables can create a table here (probe: a scratch table
    /// created and deleted in one transaction, leaving nothing behind).
    static bool available();

    Result<void> apply(Policy const& policy) override;
    Result<void> reset() override;
    Result<std::optional<std::string>> current() override;
    std::string_view backend() const override { return "nftables"; }
};

/// Fallback where nftables is unusable: chains PVPN-IN, PVPN-OUT and PVPN-FWD
/// in the filter tables of iptables and ip6tables, jumped to from position 1
/// of INPUT, OUTPUT and FORWARD. Each family is changed by one
/// `iptables-restore --noflush` run (atomic per family); no chain policy and
/// no other chain is ever touched. See docs/killswitch.md for its limits.
class IptablesFirewall final : public Firewall {
public:
    Result<void> apply(Policy const& policy) override;
    Result<void> reset() override;
    Result<std::optional<std::string>> current() override;
    std::string_view backend() const override { return "iptables"; }
};

/// NftFirewall where available(), else IptablesFirewall.
std::unique_ptr<Firewall> make_firewall();

} // namespace pvpn::firewall
