// One netlink request and its answer, on a libnl socket, keeping the errno
// the kernel gave (libnl's own codes lose it: EEXIST and ENOENT both matter).
// Used by LibnlNetlink and GenlWireGuard.
#pragma once

#include <functional>

struct nl_sock;
struct nl_msg;

namespace pvpn::net {

/// Sends `msg` (libnl adds NLM_F_ACK) and waits for the kernel's answer:
/// 0, or the positive errno it gave (EIO if the socket itself failed).
int nl_request(nl_sock* sock, nl_msg* msg);

/// Sends a dump request and calls `on_message` for every reply until the
/// dump ends: 0, or a positive errno. `on_message` returns false to reject a
/// malformed reply (the dump is then drained and EPROTO returned).
int nl_dump(nl_sock* sock, nl_msg* msg, std::function<bool(nl_msg*)> const& on_message);

} // namespace pvpn::net
