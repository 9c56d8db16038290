// The server list as the daemon serves it: kept in memory, saved to
// <config_dir>/servers.json with its age, refreshed from the API when stale
// (the full list every 3 hours, with If-Modified-Since; loads every 15
// minutes, as the official Linux client does, shared/docs/proton-api.md §3.1).
#pragma once

#include "daemon/proton/servers.hpp"
#include "daemon/proton/session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace pvpn::proton {

inline constexpr std::chrono::seconds full_list_max_age{3 * 3600};
inline constexpr std::chrono::seconds loads_max_age{15 * 60};
/// After a failed refresh, a cached list is served without retrying for this long.
inline constexpr std::chrono::seconds refresh_retry_delay{60};
/// servers.json is written this long after a refresh, not during it: serializing
/// and syncing ~9 MB takes hundreds of milliseconds that a connect waiting for
/// the list should not pay. (A daemon stopped before then fetches the list again.)
inline constexpr std::chrono::milliseconds default_save_delay{10'000};

/// What a cache needs before use.
enum class Staleness {
    fresh,  ///< Use as is.
    loads,  ///< The list is recent, its loads are not: GET /vpn/v1/loads.
    full,   ///< No list, or older than full_list_max_age (or from the future): GET /vpn/v1/logicals.
};

/// Decides from the cache's timestamps alone (pure, for tests).
Staleness staleness(ServerCache const* cache, std::int64_t now);

/// servers.json text; parse_server_cache (api_parse.hpp) reads it back.
std::string server_cache_json(ServerCache const& cache);

class ServerDirectory {
public:
    /// `file` is <config_dir>/servers.json; `now` gives unix seconds (tests
    /// replace it); the file is written `save_delay` after each refresh.
    ServerDirectory(boost::asio::any_io_executor executor, Session& session, std::filesystem::path file,
                    std::function<std::int64_t()> now = {},
                    std::chrono::milliseconds save_delay = default_save_delay);

    /// Reads servers.json if present; a broken file is logged and ignored.
    void load();

    /// The list, refreshed first if stale. When a refresh fails but a list is
    /// cached, the cached list is returned (and the failure logged); with no
    /// list at all the failure is returned. The pointer stays valid until the
    /// next get() that refreshes.
    boost::asio::awaitable<ApiResult<ServerCache const*>> get();

    /// The list as it is now, without refreshing; nullptr if there is none.
    ServerCache const* cached() const { return cache_ ? &*cache_ : nullptr; }

private:
    boost::asio::awaitable<ApiResult<void>> refresh(Staleness what);
    /// Writes servers.json after save_delay (one pending write at most).
    void schedule_save();
    void save() const;

    Session& session_;
    std::filesystem::path file_;
    std::function<std::int64_t()> now_;
    std::optional<ServerCache> cache_;
    std::int64_t next_attempt_ = 0;  ///< After a failed refresh, serve the cache until then.
    bool busy_ = false;  ///< A refresh is in flight; other callers wait for it.
    boost::asio::steady_timer wake_;
    std::chrono::milliseconds save_delay_;
    boost::asio::steady_timer save_timer_;
    bool save_pending_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  ///< For the pending write's handler.
};

} // namespace pvpn::proton
