// Picks the WireGuard implementation: the kernel's when it has WireGuard (or
// can load the module), else wireguard-go.
#pragma once

#include "daemon/net/netlink.hpp"
#include "daemon/wg/uapi_wireguard.hpp"
#include "daemon/wg/wireguard.hpp"

#include <memory>

namespace pvpn::wg {

enum class BackendChoice {
    automatic,    ///< Kernel when available, else wireguard-go.
    kernel,       ///< Only the kernel module.
    wireguard_go, ///< Only wireguard-go, even when the kernel has WireGuard.
};

enum class Backend { kernel, wireguard_go };

struct WireGuardOptions {
    BackendChoice choice = BackendChoice::automatic;
    UapiOptions uapi;
};

/// The decision alone, from what was found; fails with a message that tells
/// the user what to install.
Result<Backend> choose_backend(BackendChoice choice, bool kernel_available, bool wireguard_go_installed,
                               std::string const& wireguard_go_path);

/// Probes the kernel (resolving the "wireguard" generic netlink family, which
/// loads the module on demand) and the wireguard-go binary, then builds the
/// chosen implementation.
Result<std::unique_ptr<WireGuard>> detect_wireguard(net::Netlink& netlink, WireGuardOptions const& options);

} // namespace pvpn::wg
