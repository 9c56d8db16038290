// The Dns port: while the tunnel is up, the system resolves names through the
// tunnel's DNS server (Proton's 10.2.0.1), and afterwards exactly as before.
// Real implementations: ResolvConfDns (rewrites /etc/resolv.conf, keeping a
// backup) and ResolvedDns (systemd-resolved over D-Bus); make_dns() picks one.
// Tests use FakeDns.
#pragma once

#include "common/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pvpn::dns {

class Dns {
public:
    virtual ~Dns() = default;

    /// Sends the system's DNS queries to `servers` (IP addresses) through
    /// link `ifname`. Calling it again (a server switch) replaces the servers
    /// and keeps the original settings saved by the first call.
    virtual Result<void> apply(std::string const& ifname, std::vector<std::string> const& servers) = 0;
    /// Puts back what apply() replaced. Idempotent; also undoes what a crashed
    /// pvpnd applied (a leftover backup) when nothing was applied since.
    virtual Result<void> revert() = 0;
    /// The servers pvpn applied; empty when it applied none.
    virtual std::vector<std::string> current() const = 0;
    /// "resolv.conf" or "systemd-resolved".
    virtual std::string_view backend() const = 0;
};

} // namespace pvpn::dns
