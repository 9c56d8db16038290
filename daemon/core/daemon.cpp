#include "daemon/core/daemon.hpp"

#include "common/log.hpp"
#include "daemon/rpc/session.hpp"
#include "proto/jsonrpc.hpp"
#include "proto/methods.hpp"

#include <chrono>

namespace pvpn::core {
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Result<void> no_params(json::object const& params, std::string_view method) {
    if (!params.empty())
        return fail(Errc::invalid_params,
                    std::string(method) + " takes no parameters (got \"" + std::string(params.begin()->key()) + "\")");
    return {};
}

} // namespace

Daemon::Daemon(Paths paths, ConfigStore& config, Connection& connection, sys::Notifier& notifier)
    : paths_(std::move(paths)), config_(config), connection_(connection), notifier_(notifier) {}

void Daemon::publish(json::object event) {
    if (auto const* type = event.if_contains("type"); type && *type == "state") {
        auto const* state = event.if_contains("state");
        auto const* reason = event.if_contains("reason");
        if (state && state->is_string() && reason && reason->is_string())
            notifier_.status(std::string(state->as_string()) + ": " + std::string(reason->as_string()));
    }
    event["time"] = now_unix();
    if (publish_) publish_(std::move(event));
}

void Daemon::register_methods(rpc::Dispatcher& d) {
    using Ctx = rpc::CallContext;
    using R = Result<json::value>;

    d.add(proto::method::hello, [](json::object const&, Ctx& ctx) -> asio::awaitable<R> {
        co_return json::value(json::object{{"daemon_version", PVPN_VERSION},
                                           {"api_version", proto::api_version},
                                           {"uid", ctx.peer.uid},
                                           {"can_control", ctx.peer.can_control}});
    });

    d.add(proto::method::status, [this](json::object const& p, Ctx&) -> asio::awaitable<R> {
        if (auto r = no_params(p, proto::method::status); !r) co_return r.error();
        co_return json::value(connection_.status());
    });

    d.add(proto::method::connect, [this](json::object const& p, Ctx&) -> asio::awaitable<R> {
        co_return co_await connection_.connect(p);
    });

    d.add(proto::method::disconnect, [this](json::object const& p, Ctx&) -> asio::awaitable<R> {
        co_return co_await connection_.disconnect(p);
    });

    d.add(proto::method::list, [this](json::object const& p, Ctx&) -> asio::awaitable<R> {
        co_return co_await connection_.list(p);
    });

    d.add(proto::method::watch, [](json::object const& p, Ctx& ctx) -> asio::awaitable<R> {
        if (auto r = no_params(p, proto::method::watch); !r) co_return r.error();
        if (auto s = ctx.session.lock()) s->subscribe();
        co_return json::value(json::object{{"subscribed", true}});
    });

    d.add(proto::method::config_get, [this](json::object const& p, Ctx&) -> asio::awaitable<R> {
        if (auto r = no_params(p, proto::method::config_get); !r) co_return r.error();
        if (auto r = config_.load(); !r) co_return r.error();
        co_return json::value(config_.masked_json());
    });

    d.add(proto::method::config_set, [this](json::object const& p, Ctx& ctx) -> asio::awaitable<R> {
        auto changed = config_.apply(p);
        if (!changed) co_return changed.error();
        json::array keys;
        for (auto const& k : *changed) keys.emplace_back(k);
        log::info("config", "uid ", ctx.peer.uid, " changed ", keys.size(), " setting(s) in ",
                  config_.path().string());
        publish(json::object{{"type", "config"}, {"changed", keys}});
        co_return json::value(json::object{{"path", config_.path().string()}, {"changed", std::move(keys)}});
    });
}

} // namespace pvpn::core
