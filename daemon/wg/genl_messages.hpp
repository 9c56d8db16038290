// The messages of the kernel's "wireguard" generic netlink family
// (linux/wireguard.h), built and parsed without sending anything, so that
// they can be unit-tested on a machine without the module.
#pragma once

#include "common/c_handle.hpp"
#include "common/error.hpp"
#include "daemon/wg/wireguard.hpp"

#include <string>

struct nlmsghdr;

namespace pvpn::wg {

/// WG_CMD_SET_DEVICE for `config` on `ifname`, for the family id the
/// controller resolved. One message: pvpn configures one peer with two
/// allowed IPs, far below the socket buffer, so no splitting is needed.
/// It holds the private key: wipe_message() it after sending.
Result<NlMsg> build_set_device(int family_id, std::string const& ifname, DeviceConfig const& config);

/// WG_CMD_GET_DEVICE (a dump request) for `ifname`.
Result<NlMsg> build_get_device(int family_id, std::string const& ifname);

/// Adds one GET_DEVICE reply to `status`. Peers split across replies (the
/// kernel continues a peer in the next message with the same public key) are
/// merged. False for a malformed message.
bool parse_get_device(nlmsghdr const* message, DeviceStatus& status);

/// Overwrites the message's bytes (it may hold a private key).
void wipe_message(nl_msg* message) noexcept;

} // namespace pvpn::wg
