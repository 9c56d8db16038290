// The qBittorrent port: what pvpn asks of a running qBittorrent (its WebUI API
// v2). The real implementation is the WebUI client (webui_client.hpp); the
// sync logic sees only this class.
#pragma once

#include "common/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::qbt {

/// The preferences pvpn reads back (a subset of /api/v2/app/preferences).
struct Preferences {
    long listen_port = 0;
    bool random_port = false;
    bool upnp = false;
    std::string network_interface;  ///< current_network_interface; "" = any.
};

/// One row of /api/v2/torrents/info.
struct Torrent {
    std::string hash;
    std::string state;      ///< e.g. "downloading", "pausedDL", "stalledDL".
    std::int64_t dlspeed = 0;  ///< Bytes/s.
};

/// "v4.5.2" -> {4, 5, 2}; nullopt for anything else.
struct Version {
    int major = 0, minor = 0, patch = 0;
};
std::optional<Version> parse_version(std::string_view text);

/// The body of /api/v2/app/preferences (Errc::network on a malformed one).
Result<Preferences> parse_preferences(std::string_view body);

/// The body of /api/v2/torrents/info (Errc::network on a malformed one).
Result<std::vector<Torrent>> parse_torrents(std::string_view body);

/// The torrent filter meaning "paused" in this version (4.x "paused", 5.x "stopped").
std::string_view paused_filter(Version const& version);

class Qbittorrent {
public:
    virtual ~Qbittorrent() = default;

    /// GET app/version, e.g. "v4.5.2" (logs in first when needed). The cheap
    /// call that tells whether qBittorrent is there at all.
    virtual boost::asio::awaitable<Result<std::string>> version() = 0;

    /// GET app/preferences.
    virtual boost::asio::awaitable<Result<Preferences>> preferences() = 0;

    /// POST app/setPreferences with `json=<changes>`. qBittorrent answers 200
    /// even for values it ignores: read the preferences back to confirm.
    virtual boost::asio::awaitable<Result<void>> set_preferences(boost::json::object changes) = 0;

    /// GET torrents/info?filter=<filter>.
    virtual boost::asio::awaitable<Result<std::vector<Torrent>>> torrents(std::string filter) = 0;

    /// Resumes the torrents with these hashes: torrents/resume (4.x) or
    /// torrents/start (5.x and later).
    virtual boost::asio::awaitable<Result<void>> resume(std::vector<std::string> hashes, Version version) = 0;

    /// Ends the request in progress (for shutting down).
    virtual void cancel() = 0;
};

} // namespace pvpn::qbt
