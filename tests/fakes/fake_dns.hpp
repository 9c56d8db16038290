// An in-memory Dns: what is applied, and failures on demand.
#pragma once

#include "daemon/dns/dns.hpp"

namespace pvpn::test {

class FakeDns final : public dns::Dns {
public:
    std::string ifname;
    std::vector<std::string> servers;
    bool leftover = false;   ///< A backup from an earlier run, which revert() would restore
    bool fail_apply = false;
    int reverts = 0;

    Result<void> apply(std::string const& link, std::vector<std::string> const& list) override {
        if (fail_apply) return fail(Errc::tunnel_failed, "injected DNS failure");
        ifname = link;
        servers = list;
        return {};
    }
    Result<void> revert() override {
        ++reverts;
        ifname.clear();
        servers.clear();
        leftover = false;
        return {};
    }
    std::vector<std::string> current() const override { return servers; }
    std::string_view backend() const override { return "fake"; }
};

} // namespace pvpn::test
