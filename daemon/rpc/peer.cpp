#include "daemon/rpc/peer.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace pvpn::rpc {

std::optional<gid_t> lookup_group(std::string const& name) {
    std::vector<char> buf(16384);
    group gr{};
    group* out = nullptr;
    if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &out) != 0 || out == nullptr) return std::nullopt;
    return gr.gr_gid;
}

bool user_in_group(uid_t uid, gid_t gid, gid_t group) {
    if (gid == group) return true;
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* out = nullptr;
    if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &out) != 0 || out == nullptr) return false;
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (getgrouplist(pw.pw_name, gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<size_t>(count));
        if (getgrouplist(pw.pw_name, gid, groups.data(), &count) < 0) return false;
    }
    groups.resize(static_cast<size_t>(count));
    for (auto g : groups)
        if (g == group) return true;
    return false;
}

Result<Peer> peer_of(int fd, std::optional<gid_t> control_group) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return fail(Errc::internal, std::string("SO_PEERCRED: ") + std::strerror(errno));
    Peer p{cred.uid, cred.gid, cred.pid, false};
    p.can_control = cred.uid == 0 || (control_group && user_in_group(cred.uid, cred.gid, *control_group));
    return p;
}

} // namespace pvpn::rpc
