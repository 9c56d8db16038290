// WireGuard in userspace: one wireguard-go process per device, configured
// through its UAPI Unix socket (SOCKET_DIR/IFNAME.sock, host-wide even across
// network namespaces, so device names must be unique on the host).
//
// The process outlives pvpnd on purpose (see wg_process.hpp); destroy()
// deletes the TUN link, on which wireguard-go exits, and makes sure of it.
#pragma once

#include "daemon/net/netlink.hpp"
#include "daemon/wg/wireguard.hpp"

#include <chrono>
#include <filesystem>

namespace pvpn::wg {

struct UapiOptions {
    std::filesystem::path binary = "/usr/bin/wireguard-go";
    std::filesystem::path socket_dir = "/var/run/wireguard";
    std::filesystem::path log_file;                     ///< wireguard-go's output; empty: discarded
    std::string log_level = "error";                    ///< wireguard-go's LOG_LEVEL
    std::chrono::milliseconds start_timeout{5000};      ///< Until its socket answers
    std::chrono::milliseconds stop_timeout{2000};       ///< After the link is gone, before SIGTERM, then SIGKILL
    std::chrono::milliseconds io_timeout{2000};         ///< One UAPI request and its reply
};

class UapiWireGuard final : public WireGuard {
public:
    UapiWireGuard(net::Netlink& netlink, UapiOptions options);

    boost::asio::awaitable<Result<Device>> create(std::string ifname) override;
    /// Synchronous: the socket is local and answers in microseconds; bounded
    /// by io_timeout all the same.
    Result<void> configure(std::string const& ifname, DeviceConfig const& config) override;
    Result<DeviceStatus> status(std::string const& ifname) override;
    /// A device whose socket answers; its pid is looked up in /proc.
    Result<std::optional<Device>> find(std::string const& ifname) override;
    boost::asio::awaitable<Result<void>> destroy(Device device) override;
    std::string_view backend() const override { return "wireguard-go"; }

    /// Where the UAPI socket of `ifname` is.
    std::filesystem::path socket_path(std::string const& ifname) const;

private:
    /// Sends one request and reads the whole reply.
    Result<std::string> exchange(std::string const& ifname, std::string_view request);
    /// Whether something accepts connections on the socket of `ifname`.
    bool socket_answers(std::string const& ifname) const;

    net::Netlink& netlink_;
    UapiOptions options_;
};

} // namespace pvpn::wg
