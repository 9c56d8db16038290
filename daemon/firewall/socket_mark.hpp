// Marks pvpnd's own sockets so that the kill-switch lets them out and the
// policy routing sends them around the tunnel (to the Proton API while no
// tunnel is up).
#pragma once

#include "common/error.hpp"

#include <cstdint>

namespace pvpn::firewall {

/// Sets SO_MARK on `fd` (needs CAP_NET_ADMIN). Call before connect(): the
/// mark decides the route, and the firewall only lets marked TCP to port 443
/// out. Errc::internal when the kernel refuses.
Result<void> mark_socket(int fd, std::uint32_t mark);

} // namespace pvpn::firewall
