#include "daemon/wg/detect.hpp"

#include "common/log.hpp"
#include "daemon/wg/genl_wireguard.hpp"

#include <unistd.h>

namespace pvpn::wg {

Result<Backend> choose_backend(BackendChoice choice, bool kernel_available, bool wireguard_go_installed,
                               std::string const& wireguard_go_path) {
    std::string const install_hint = "install the Debian package wireguard-go (apt install wireguard-go)";
    switch (choice) {
    case BackendChoice::kernel:
        if (kernel_available) return Backend::kernel;
        return fail(Errc::tunnel_failed, "the kernel has no WireGuard module; load it (modprobe wireguard) or use wireguard-go");
    case BackendChoice::wireguard_go:
        if (wireguard_go_installed) return Backend::wireguard_go;
        return fail(Errc::tunnel_failed, "wireguard-go is not installed at " + wireguard_go_path + ": " + install_hint);
    case BackendChoice::automatic: break;
    }
    if (kernel_available) return Backend::kernel;
    if (wireguard_go_installed) return Backend::wireguard_go;
    return fail(Errc::tunnel_failed, "the kernel has no WireGuard module and wireguard-go is not installed at " +
                                         wireguard_go_path + ": " + install_hint);
}

Result<std::unique_ptr<WireGuard>> detect_wireguard(net::Netlink& netlink, WireGuardOptions const& options) {
    std::unique_ptr<GenlWireGuard> kernel;
    if (options.choice != BackendChoice::wireguard_go) {
        auto opened = GenlWireGuard::open(netlink);
        if (opened) kernel = std::move(*opened);
    }
    bool const installed = ::access(options.uapi.binary.c_str(), X_OK) == 0;
    auto backend = choose_backend(options.choice, kernel != nullptr, installed, options.uapi.binary.string());
    if (!backend) return backend.error();
    if (*backend == Backend::kernel) {
        log::info("wg", "using the kernel's WireGuard");
        return std::unique_ptr<WireGuard>(std::move(kernel));
    }
    log::info("wg", options.choice == BackendChoice::wireguard_go ? "using " : "the kernel has no WireGuard; using ",
              options.uapi.binary.string());
    return std::unique_ptr<WireGuard>(std::make_unique<UapiWireGuard>(netlink, options.uapi));
}

} // namespace pvpn::wg
