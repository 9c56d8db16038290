#include "daemon/firewall/socket_mark.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/socket.h>

namespace pvpn::firewall {

Result<void> mark_socket(int fd, std::uint32_t mark) {
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0)
        return fail(Errc::internal, std::string("cannot mark a socket for the kill-switch: ") + std::strerror(errno));
    return {};
}

} // namespace pvpn::firewall
