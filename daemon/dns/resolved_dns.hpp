// DNS through systemd-resolved, for systems whose /etc/resolv.conf is its
// stub: the tunnel link gets the servers (SetLinkDNS), the "~." routing
// domain (SetLinkDomains) so every query goes to it, and becomes the default
// DNS route (SetLinkDefaultRoute). RevertLink undoes all three; resolved
// also forgets them by itself when the link disappears.
#pragma once

#include "common/c_handle.hpp"
#include "daemon/dns/dns.hpp"

namespace pvpn::dns {

class ResolvedDns final : public Dns {
public:
    /// Nothing is contacted until apply().
    ResolvedDns() = default;

    Result<void> apply(std::string const& ifname, std::vector<std::string> const& servers) override;
    Result<void> revert() override;
    std::vector<std::string> current() const override { return servers_; }
    std::string_view backend() const override { return "systemd-resolved"; }

private:
    Result<void> connect();

    SdBus bus_;
    int ifindex_ = 0;
    std::vector<std::string> servers_;
};

} // namespace pvpn::dns
