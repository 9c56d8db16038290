// Pure helpers for /etc/resolv.conf: the text pvpn writes and how to tell it
// apart from anybody else's.
#pragma once

#include "common/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::dns {

/// The file pvpn writes: a comment saying who wrote it and where the
/// original is, then one "nameserver" line per server. Fails on a server that
/// is not an IP address (a resolv.conf with junk breaks every lookup).
Result<std::string> render_resolv_conf(std::vector<std::string> const& servers,
                                       std::filesystem::path const& backup_path);

/// Whether `contents` is a file render_resolv_conf() wrote.
bool written_by_pvpn(std::string_view contents);

} // namespace pvpn::dns
