// WireGuard in the kernel: the device is an rtnetlink link of kind
// "wireguard", configured through the "wireguard" generic netlink family.
#pragma once

#include "common/c_handle.hpp"
#include "daemon/net/netlink.hpp"
#include "daemon/wg/wireguard.hpp"

#include <memory>

namespace pvpn::wg {

class GenlWireGuard final : public WireGuard {
public:
    /// Resolves the "wireguard" family (the kernel loads the module on demand
    /// when it can). Fails when the kernel has no WireGuard.
    static Result<std::unique_ptr<GenlWireGuard>> open(net::Netlink& netlink);

    boost::asio::awaitable<Result<Device>> create(std::string ifname) override;
    Result<void> configure(std::string const& ifname, DeviceConfig const& config) override;
    Result<DeviceStatus> status(std::string const& ifname) override;
    Result<std::optional<Device>> find(std::string const& ifname) override;
    boost::asio::awaitable<Result<void>> destroy(Device device) override;
    std::string_view backend() const override { return "kernel"; }

private:
    GenlWireGuard(net::Netlink& netlink, NlSock sock, int family)
        : netlink_(netlink), sock_(std::move(sock)), family_(family) {}

    net::Netlink& netlink_;
    NlSock sock_;
    int family_;
};

} // namespace pvpn::wg
