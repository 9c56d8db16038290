#include "client/webui_setup.hpp"

#include "common/log.hpp"
#include "common/qbt_password.hpp"
#include "proto/methods.hpp"

#include <cstdlib>

namespace pvpn::client {
namespace json = boost::json;

namespace {

std::string text_at(json::object const* o, std::string_view key) {
    auto const* v = o ? o->if_contains(key) : nullptr;
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// The effective [qbittorrent] enable, from what init sent or else config.get.v1.
bool webui_wanted(RpcClient& rpc, json::object const& sent, std::chrono::milliseconds timeout) {
    auto const* qb = sent.if_contains("qbittorrent");
    auto const* enable = qb && qb->is_object() ? qb->as_object().if_contains("enable") : nullptr;
    if (enable && enable->is_bool()) return enable->as_bool();
    auto current = rpc.call(proto::method::config_get, {}, timeout);
    if (!current || !current->is_object()) return true;
    auto const* sections = current->as_object().if_contains("sections");
    auto const* section = sections && sections->is_object() ? sections->as_object().if_contains("qbittorrent") : nullptr;
    return text_at(section && section->is_object() ? &section->as_object() : nullptr, "enable") != "false";
}

/// The password init sent, or one asked for now (and then stored in config.ini too).
std::optional<std::string> webui_password(RpcClient& rpc, json::object const& sent, Terminal* terminal,
                                          std::chrono::milliseconds timeout) {
    auto const* qb = sent.if_contains("qbittorrent");
    auto given = text_at(qb && qb->is_object() ? &qb->as_object() : nullptr, "pass");
    if (!given.empty()) return given;
    if (!terminal) return std::nullopt;
    for (;;) {
        auto answer = terminal->ask("qBittorrent WebUI password to write into qBittorrent.conf: ", true);
        if (!answer) return std::nullopt;
        log::add_secret(*answer);
        if (answer->empty()) continue;
        json::object update{{"qbittorrent", json::object{{"pass", *answer}}}};
        if (!rpc.call(proto::method::config_set, std::move(update), timeout)) return std::nullopt;
        return answer;
    }
}

} // namespace

int setup_webui(RpcClient& rpc, InitPlan const& plan, json::object const& sent, Terminal* terminal, Output& out,
                std::chrono::milliseconds timeout) {
    if (!webui_wanted(rpc, sent, timeout)) return 0;
    json::object where;
    if (!plan.qb_conf.empty()) where["conf"] = plan.qb_conf;
    if (char const* sudo_user = std::getenv("SUDO_USER"); sudo_user && *sudo_user) where["hint_user"] = sudo_user;

    json::object probe = where;
    probe["dry_run"] = true;
    auto looked = rpc.call(proto::method::qbittorrent_setup, std::move(probe), timeout);
    if (!looked) {
        if (!plan.qb_conf.empty()) return out.failure(looked.error());
        out.note("qBittorrent's WebUI was not checked: " + looked.error().error.message);
        return 0;
    }
    auto const* report = looked->if_object();
    if (!report) return 0;
    if (auto const* set_up = report->if_contains("set_up"); set_up && set_up->is_bool() && set_up->as_bool()) {
        out.note(text_at(report, "message"));
        return 0;
    }
    std::string conf = text_at(report, "conf");
    if (!terminal && plan.qb_conf.empty() && text_at(report, "found_by") == "user") {
        // Found only through the calling user: it may be a desktop qBittorrent's. Ask first.
        out.note("qBittorrent's WebUI is not set up in " + conf + " (no qbittorrent-nox service names it): run "
                 "`pvpn init --qb --qb-conf " + conf + "` to enable it there");
        return 0;
    }
    if (terminal && plan.qb_conf.empty()) {
        auto answer = terminal->ask("qBittorrent's WebUI is not set up. Enable it for localhost in " + conf +
                                        " (owner " + text_at(report, "owner") +
                                        ")? [Y/n, or the path of another qBittorrent.conf]: ",
                                    false);
        if (!answer || *answer == "n" || *answer == "no") return 0;
        if (!answer->empty() && *answer != "y" && *answer != "yes") conf = *answer;
    }
    auto password = webui_password(rpc, sent, terminal, timeout);
    if (!password) {
        out.warn("qBittorrent's WebUI is not set up in " + conf +
                 ": run `pvpn init --qb --qb-pass PASS` to enable it with a password");
        return 0;
    }
    auto hash = qbt_password_hash(*password);
    if (!hash) return out.failure(CallError{CallError::Kind::local, hash.error(), nullptr});
    json::object request = where;
    request["conf"] = conf;
    request["password_hash"] = *hash;
    auto done = rpc.call(proto::method::qbittorrent_setup, std::move(request), timeout);
    if (!done) return out.failure(done.error());
    out.note(text_at(done->if_object(), "message"));
    return 0;
}

} // namespace pvpn::client
