#include "daemon/core/daemon.hpp"

#include "common/log.hpp"
#include "daemon/net/http_client.hpp"
#include "daemon/qbt/webui_setup.hpp"
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

/// qbittorrent.setup.v1's params, checked; the WebUI address and port come from [qbittorrent] url.
Result<qbt::WebUiRequest> setup_request(json::object const& params, Config const& config, uid_t caller) {
    qbt::WebUiRequest r;
    r.caller = caller;
    for (auto const& kv : params) {
        auto const key = kv.key();
        auto const& v = kv.value();
        if (key == "dry_run" && v.is_bool()) r.dry_run = v.as_bool();
        else if (key == "conf" && v.is_string()) r.conf = std::filesystem::path(std::string(v.as_string()));
        else if (key == "hint_user" && v.is_string()) r.hint_user = std::string(v.as_string());
        else if (key == "password_hash" && v.is_string()) r.password_hash = std::string(v.as_string());
        else
            return fail(Errc::invalid_params, "qbittorrent.setup.v1: unknown or mistyped parameter \"" +
                                                  std::string(key) + "\"");
    }
    if (!r.dry_run && r.password_hash.empty())
        return fail(Errc::invalid_params, "qbittorrent.setup.v1: password_hash is missing");
    auto url = net::parse_http_url(config.qbittorrent.url);
    if (!url || !net::is_loopback_host(url->host))
        return fail(Errc::invalid_params, "[qbittorrent] url " + config.qbittorrent.url +
                                              " is not on this machine: pvpn only sets up a WebUI on localhost");
    r.address = url->host == "::1" ? "::1" : "127.0.0.1";
    r.port = static_cast<std::uint16_t>(std::stoi(url->port));
    r.user = config.qbittorrent.user;
    if (r.user.empty() && !r.dry_run)
        return fail(Errc::not_configured, "no qBittorrent WebUI user in config.ini: set it with --qb-user");
    return r;
}

json::object report_json(qbt::WebUiReport const& report) {
    json::array running;
    for (auto const& p : report.running) running.emplace_back(json::object{{"pid", p.pid}, {"uid", p.uid}});
    json::object o;
    if (report.conf.empty()) o["conf"] = nullptr;
    else o["conf"] = report.conf.string();
    o["owner"] = report.owner;
    o["found_by"] = report.found_by;
    o["exists"] = report.exists;
    o["set_up"] = report.set_up;
    o["running"] = std::move(running);
    o["changed"] = report.changed;
    o["message"] = report.message;
    return o;
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

    d.add(proto::method::qbittorrent_setup, [this](json::object const& p, Ctx& ctx) -> asio::awaitable<R> {
        if (auto r = config_.load(); !r) co_return r.error();
        auto request = setup_request(p, config_.typed(), ctx.peer.uid);
        if (!request) co_return request.error();
        auto report = qbt::setup_webui(qbt::system_setup_env(), *request);
        if (!report) co_return report.error();
        co_return json::value(report_json(*report));
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
