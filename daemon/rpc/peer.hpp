// Who is on the other end of a socket connection (SO_PEERCRED), and whether
// they may change anything: uid 0 or a member of the control group ("pvpn").
#pragma once

#include "common/error.hpp"

#include <sys/types.h>

#include <optional>
#include <string>

namespace pvpn::rpc {

struct Peer {
    uid_t uid = 0;
    gid_t gid = 0;
    pid_t pid = 0;
    bool can_control = false;
};

/// The gid of group `name`, if it exists.
std::optional<gid_t> lookup_group(std::string const& name);

/// True if `uid` (primary group `gid`) belongs to `group`, by primary group or
/// by the user database's supplementary groups.
bool user_in_group(uid_t uid, gid_t gid, gid_t group);

/// Reads the peer credentials of a connected Unix socket. `control_group` is
/// the gid whose members may control the daemon (none: only root may).
Result<Peer> peer_of(int fd, std::optional<gid_t> control_group);

} // namespace pvpn::rpc
