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

Daemon::Daemon(asio::io_context& io, Paths paths, ConfigStore& config, sys::Notifier& notifier)
    : io_(io), paths_(std::move(paths)), config_(config), notifier_(notifier), since_(now_unix()) {}

void Daemon::publish(json::object event) {
    event["time"] = now_unix();
    if (publish_) publish_(std::move(event));
}

json::object Daemon::status() const {
    json::object s;
    s["state"] = "disconnected";
    s["since"] = since_;
    s["reason"] = "";
    s["server"] = nullptr;
    s["tunnel"] = nullptr;
    s["dns"] = json::object{{"mode", "system"}, {"servers", json::array{}}, {"backend", nullptr}};
    s["killswitch"] = json::object{{"enabled", false}, {"active", false}, {"allow_lan", true}, {"rules", "none"}};
    s["port_forwarding"] = json::object{{"state", "off"}};
    s["qbittorrent"] = nullptr;
    s["monitor"] = nullptr;
    s["warnings"] = json::array{};
    return s;
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
        co_return json::value(status());
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
