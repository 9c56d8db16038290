// An in-memory WireGuard that creates its devices as links of a FakeNetlink
// (as wireguard-go's TUN or the kernel's link would appear), records the last
// configuration of each, and fails on demand.
#pragma once

#include "daemon/wg/wireguard.hpp"
#include "tests/fakes/fake_netlink.hpp"

#include <map>
#include <string>

namespace pvpn::test {

class FakeWireGuard final : public wg::WireGuard {
public:
    explicit FakeWireGuard(FakeNetlink& netlink) : netlink_(netlink) {}

    std::map<std::string, wg::DeviceConfig> configs;  ///< Last configuration per device
    std::map<std::string, wg::DeviceStatus> statuses; ///< What status() returns per device
    int configure_calls = 0;
    bool fail_create = false;
    bool fail_configure = false;
    int next_pid = 4242;

    boost::asio::awaitable<Result<wg::Device>> create(std::string ifname) override {
        if (fail_create) co_return fail(Errc::tunnel_failed, "injected create failure");
        if (auto r = netlink_.add_link(ifname, "wireguard"); !r) co_return r.error();
        co_return wg::Device{ifname, next_pid};
    }
    Result<void> configure(std::string const& ifname, wg::DeviceConfig const& config) override {
        ++configure_calls;
        if (fail_configure) return fail(Errc::tunnel_failed, "injected configure failure");
        if (!netlink_.links.count(ifname)) return fail(Errc::tunnel_failed, "no device " + ifname);
        configs[ifname] = config;
        return {};
    }
    Result<wg::DeviceStatus> status(std::string const& ifname) override {
        if (!netlink_.links.count(ifname)) return fail(Errc::tunnel_failed, "no device " + ifname);
        return statuses[ifname];
    }
    Result<std::optional<wg::Device>> find(std::string const& ifname) override {
        if (!netlink_.links.count(ifname)) return std::optional<wg::Device>{};
        return std::optional<wg::Device>{wg::Device{ifname, next_pid}};
    }
    boost::asio::awaitable<Result<void>> destroy(wg::Device device) override {
        destroyed.push_back(device);
        configs.erase(device.ifname);
        auto r = netlink_.delete_link(device.ifname);
        if (!r) co_return r.error();
        co_return Result<void>{};
    }
    std::string_view backend() const override { return "fake"; }

    std::vector<wg::Device> destroyed;

private:
    FakeNetlink& netlink_;
};

} // namespace pvpn::test
