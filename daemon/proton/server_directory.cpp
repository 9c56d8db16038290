#include "daemon/proton/server_directory.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "daemon/proton/api_parse.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

namespace pvpn::proton {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

/// servers.json holds about 15,000 servers (~6 MiB); anything far larger is not ours.
constexpr std::size_t max_cache_bytes = 64 * 1024 * 1024;
/// A cache stamped this far in the future means the clock jumped: refetch.
constexpr std::int64_t clock_skew = 300;

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json::object physical_json(PhysicalServer const& p, json::storage_ptr const& sp) {
    return json::object({{"ID", p.id},
                         {"EntryIP", p.entry_ip},
                         {"ExitIP", p.exit_ip},
                         {"Domain", p.domain},
                         {"Status", p.enabled ? 1 : 0},
                         {"Label", p.label},
                         {"X25519PublicKey", p.x25519_public_key}},
                        sp);
}

} // namespace

Staleness staleness(ServerCache const* cache, std::int64_t now) {
    if (!cache || cache->fetched_at <= 0) return Staleness::full;
    if (now - cache->fetched_at >= full_list_max_age.count() || cache->fetched_at > now + clock_skew)
        return Staleness::full;
    if (now - cache->loads_fetched_at >= loads_max_age.count() || cache->loads_fetched_at > now + clock_skew)
        return Staleness::loads;
    return Staleness::fresh;
}

std::string server_cache_json(ServerCache const& cache) {
    json::monotonic_resource arena;  // ~15,000 small objects: one arena, freed at once
    json::storage_ptr sp(&arena);
    json::array logicals(sp);
    logicals.reserve(cache.servers.logicals.size());
    for (auto const& l : cache.servers.logicals) {
        json::array servers(sp);
        for (auto const& p : cache.servers.physicals_of(l)) servers.push_back(physical_json(p, sp));
        logicals.push_back(json::object({{"ID", l.id},
                                         {"Name", l.name},
                                         {"EntryCountry", l.entry_country},
                                         {"ExitCountry", l.exit_country},
                                         {"City", l.city},
                                         {"Tier", l.tier},
                                         {"Features", l.features},
                                         {"Status", l.status},
                                         {"Load", l.load},
                                         {"Score", l.score},
                                         {"Servers", std::move(servers)}},
                                        sp));
    }
    json::object o({{"Code", 1000},
                    {"FetchedAt", cache.fetched_at},
                    {"LoadsFetchedAt", cache.loads_fetched_at},
                    {"LastModified", cache.last_modified},
                    {"MaxTier", cache.max_tier},
                    {"LogicalServers", std::move(logicals)}},
                   sp);
    return json::serialize(o);
}

ServerDirectory::ServerDirectory(asio::any_io_executor executor, Session& session, std::filesystem::path file,
                                 std::function<std::int64_t()> now, std::chrono::milliseconds save_delay)
    : session_(session), file_(std::move(file)), now_(now ? std::move(now) : unix_now),
      wake_(executor, asio::steady_timer::time_point::max()), save_delay_(save_delay), save_timer_(executor) {}

void ServerDirectory::load() {
    auto text = read_file_if_exists(file_, max_cache_bytes);
    if (!text) {
        log::warn("servers", "cannot read ", file_.string(), ": ", text.error().message);
        return;
    }
    if (!*text) return;
    auto parsed = parse_server_cache(**text);
    if (!parsed) {
        log::warn("servers", file_.string(), " is unusable (", parsed.error().message, "); it will be refetched");
        return;
    }
    cache_ = std::move(*parsed);
    log::info("servers", "loaded ", cache_->servers.logicals.size(), " servers from ", file_.string());
}

void ServerDirectory::schedule_save() {
    if (save_pending_) return;
    save_pending_ = true;
    save_timer_.expires_after(save_delay_);
    std::weak_ptr<bool> alive = alive_;
    save_timer_.async_wait([this, alive](boost::system::error_code ec) {
        if (ec || alive.expired()) return;  // the directory went first: the next one fetches the list again
        save_pending_ = false;
        save();
    });
}

void ServerDirectory::save() const {
    if (!cache_) return;
    auto written = write_file_atomic(file_, server_cache_json(*cache_), 0600);
    if (!written) log::warn("servers", "cannot save the server list: ", written.error().message);
}

asio::awaitable<ApiResult<void>> ServerDirectory::refresh(Staleness what) {
    std::int64_t const now = now_();
    if (what == Staleness::full) {
        auto info = co_await session_.vpn_info();
        if (!info) co_return info.error();
        // (A named variable, not a ternary temporary inside co_await: GCC 12
        // destroys such temporaries too early in coroutines.)
        std::string since;
        if (cache_) since = cache_->last_modified;
        auto reply = co_await session_.logicals(std::move(since));
        if (!reply) co_return reply.error();
        if (reply->servers) {
            log::info("servers", "fetched ", reply->servers->logicals.size(), " servers");
            cache_ = ServerCache{std::move(*reply->servers), now, now, reply->last_modified, info->max_tier};
            schedule_save();
            co_return ApiResult<void>{};
        }
        if (!cache_) co_return api_failure(Errc::api_error, "Proton answered 304 Not Modified without a cached list");
        cache_->fetched_at = now;
        cache_->max_tier = info->max_tier;
        if (!reply->last_modified.empty()) cache_->last_modified = reply->last_modified;
        if (staleness(&*cache_, now) == Staleness::fresh) {
            schedule_save();
            co_return ApiResult<void>{};
        }
    }
    auto loads = co_await session_.loads();
    if (!loads) co_return loads.error();
    if (!cache_) co_return api_failure(Errc::api_error, "no server list to apply loads to");
    auto updated = cache_->servers.apply_loads(*loads);
    cache_->loads_fetched_at = now;
    log::debug("servers", "updated loads of ", updated, " servers");
    schedule_save();
    co_return ApiResult<void>{};
}

asio::awaitable<ApiResult<ServerCache const*>> ServerDirectory::get() {
    while (busy_) co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    Staleness const what = staleness(cached(), now_());
    if (what == Staleness::fresh || (cache_ && now_() < next_attempt_)) co_return cached();
    busy_ = true;
    struct Done {
        ServerDirectory* self;
        ~Done() {
            self->busy_ = false;
            self->wake_.cancel();
        }
    } done{this};
    auto r = co_await refresh(what);
    if (!r) {
        if (!cache_) co_return r.error();
        next_attempt_ = now_() + refresh_retry_delay.count();
        log::warn("servers", "using the cached server list: refreshing it failed: ", r.error().error.message);
    }
    co_return cached();
}

} // namespace pvpn::proton
