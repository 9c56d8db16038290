// The real Netlink port: libnl-3 route objects sent on one NETLINK_ROUTE
// socket, each request acknowledged by the kernel before the call returns, so
// an error names the object and the kernel's reason
// ("add route 0.0.0.0/0 dev wgpch table 51820: File exists").
#pragma once

#include "common/c_handle.hpp"
#include "daemon/net/netlink.hpp"

#include <memory>

namespace pvpn::net {

class LibnlNetlink final : public Netlink {
public:
    /// Opens the rtnetlink socket of the calling thread's network namespace.
    static Result<std::unique_ptr<LibnlNetlink>> open();

    Result<int> link_index(std::string const& name) override;
    Result<bool> link_exists(std::string const& name) override;
    Result<void> add_link(std::string const& name, std::string const& kind) override;
    Result<bool> delete_link(std::string const& name) override;
    Result<void> set_link_up(std::string const& name, unsigned mtu) override;
    Result<void> add_address(std::string const& name, LinkAddress const& address) override;
    Result<bool> add_route(Route const& route) override;
    Result<bool> delete_route(Route const& route) override;
    Result<bool> add_rule(Rule const& rule) override;
    Result<bool> delete_rule(Rule const& rule) override;
    bool ipv6_supported() override;
    Result<std::vector<InterfaceAddress>> list_addresses() override;
    Result<std::optional<std::string>> default_route_interface(Family family) override;

private:
    explicit LibnlNetlink(NlSock sock) : sock_(std::move(sock)) {}

    /// Sends `msg` and waits for the kernel's answer: 0, or the errno it gave.
    int transact(nl_msg* msg);

    NlSock sock_;
};

} // namespace pvpn::net
