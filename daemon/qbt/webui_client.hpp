// qBittorrent's WebUI API v2 over plain HTTP.
//
// Logs in with POST /api/v2/auth/login (form fields) when a call is answered
// 403 and keeps the SID cookie; with qBittorrent's "bypass authentication for
// localhost" no login is needed at all. Sends no Referer or Origin, so the
// WebUI's CSRF check never applies. A login qBittorrent refuses ("Fails.") is
// not repeated with the same credentials: qBittorrent bans an address after 5
// failures (for an hour by default).
#pragma once

#include "common/error.hpp"
#include "daemon/qbt/qbittorrent.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pvpn::qbt {

struct Credentials {
    std::string user;
    std::string pass;
    friend bool operator==(Credentials const&, Credentials const&) = default;
};

/// Read at every login, so `pvpn init --qb` takes effect without a restart.
using CredentialSource = std::function<Credentials()>;

/// The real qBittorrent client for the WebUI at `url` (http://host:port).
/// Fails (Errc::config_invalid) on a URL that is not http://.
Result<std::unique_ptr<Qbittorrent>> make_webui_client(boost::asio::any_io_executor executor, std::string_view url,
                                                       CredentialSource credentials);

} // namespace pvpn::qbt
