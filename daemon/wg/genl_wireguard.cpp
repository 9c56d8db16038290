#include "daemon/wg/genl_wireguard.hpp"

// GCC 12 reports a false -Wmismatched-new-delete on asio coroutine frames at
// -O2 (GCC bug 109224, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "daemon/net/nl_request.hpp"
#include "daemon/wg/genl_messages.hpp"

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/wireguard.h>

#include <cstring>

namespace pvpn::wg {

Result<std::unique_ptr<GenlWireGuard>> GenlWireGuard::open(net::Netlink& netlink) {
    NlSock sock(nl_socket_alloc());
    if (!sock) return fail(Errc::internal, "cannot allocate a netlink socket");
    if (int err = genl_connect(sock.get()); err < 0)
        return fail(Errc::tunnel_failed, std::string("connect to generic netlink: ") + nl_geterror(err));
    int family = genl_ctrl_resolve(sock.get(), WG_GENL_NAME);
    if (family < 0) return fail(Errc::tunnel_failed, "the kernel has no WireGuard (generic netlink family \"wireguard\")");
    return std::unique_ptr<GenlWireGuard>(new GenlWireGuard(netlink, std::move(sock), family));
}

boost::asio::awaitable<Result<Device>> GenlWireGuard::create(std::string ifname) {
    auto added = netlink_.add_link(ifname, "wireguard");
    if (!added) co_return fail(Errc::tunnel_failed, added.error().message);
    co_return Device{ifname, std::nullopt};
}

Result<void> GenlWireGuard::configure(std::string const& ifname, DeviceConfig const& config) {
    auto msg = build_set_device(family_, ifname, config);
    if (!msg) return msg.error();
    int err = net::nl_request(sock_.get(), msg->get());
    wipe_message(msg->get());
    if (err) return fail(Errc::tunnel_failed, "configure WireGuard device " + ifname + ": " + std::strerror(err));
    return {};
}

Result<DeviceStatus> GenlWireGuard::status(std::string const& ifname) {
    auto msg = build_get_device(family_, ifname);
    if (!msg) return msg.error();
    DeviceStatus status;
    int err = net::nl_dump(sock_.get(), msg->get(),
                           [&status](nl_msg* reply) { return parse_get_device(nlmsg_hdr(reply), status); });
    if (err) return fail(Errc::tunnel_failed, "read WireGuard device " + ifname + ": " + std::strerror(err));
    return status;
}

Result<std::optional<Device>> GenlWireGuard::find(std::string const& ifname) {
    auto exists = netlink_.link_exists(ifname);
    if (!exists) return exists.error();
    if (!*exists || !status(ifname)) return std::optional<Device>{};
    return std::optional<Device>{Device{ifname, std::nullopt}};
}

boost::asio::awaitable<Result<void>> GenlWireGuard::destroy(Device device) {
    auto deleted = netlink_.delete_link(device.ifname);
    if (!deleted) co_return fail(Errc::tunnel_failed, deleted.error().message);
    co_return Result<void>{};
}

} // namespace pvpn::wg
