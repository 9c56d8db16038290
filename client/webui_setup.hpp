// The second half of `pvpn init --qb`: when qBittorrent's WebUI is not set up
// in qbittorrent-nox's own qBittorrent.conf, set it up for localhost with the
// user's credentials (qbittorrent.setup.v1; pvpnd writes the file as root).
// The password is hashed here, as qBittorrent stores it, so PBKDF2 never runs
// on the daemon's loop and the password is not sent again.
#pragma once

#include "client/cli.hpp"
#include "client/output.hpp"
#include "client/prompt.hpp"
#include "client/rpc_client.hpp"

#include <boost/json/object.hpp>

#include <chrono>

namespace pvpn::client {

/// Runs after config.set.v1 succeeded; `sent` is what init sent (the
/// password, when given). With `terminal`, the file is confirmed and a
/// missing password asked for. Returns the exit status: a file pvpnd cannot
/// find is a note (the WebUI may live elsewhere), qbittorrent-nox running is
/// a failure (busy).
int setup_webui(RpcClient& rpc, InitPlan const& plan, boost::json::object const& sent, Terminal* terminal,
                Output& out, std::chrono::milliseconds timeout);

} // namespace pvpn::client
