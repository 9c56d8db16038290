#include "client/app.hpp"

#include "client/cli.hpp"
#include "client/format.hpp"
#include "client/init.hpp"
#include "client/output.hpp"
#include "client/prompt.hpp"
#include "client/rpc_client.hpp"
#include "client/webui_setup.hpp"
#include "common/log.hpp"
#include "proto/jsonrpc.hpp"
#include "proto/methods.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>

namespace pvpn::client {
namespace json = boost::json;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds connect_timeout = 5s;

// How long a method may take: connect logs in, ranks servers and brings the
// tunnel up; list may ping every matching server.
milliseconds reply_timeout(std::string_view method) {
    if (method == proto::method::connect) return 300s;
    if (method == proto::method::disconnect || method == proto::method::list) return 120s;
    return 60s;
}

std::int64_t now_unix() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Warns when the daemon speaks another API version than this client.
std::optional<CallError> check_daemon(RpcClient& rpc, Output& out) {
    auto hello = rpc.call(proto::method::hello, {}, 10s);
    if (!hello) return hello.error().kind == CallError::Kind::rpc ? std::nullopt : std::optional(hello.error());
    auto const* o = hello->if_object();
    auto const* api = o ? o->if_contains("api_version") : nullptr;
    if (api && api->is_int64() && api->as_int64() != proto::api_version)
        out.warn("pvpnd speaks API version " + std::to_string(api->as_int64()) + ", this pvpn expects " +
                 std::to_string(proto::api_version) + ": update both to the same release");
    return std::nullopt;
}

// Asks for a 2FA code on the terminal; nothing if input ended or three tries failed.
std::optional<std::string> ask_twofa(Terminal& terminal) {
    FlagSpec const spec{"twofa", 0, 0, ValueKind::twofa, "", "", "twofa", "", ""};
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto answer = terminal.ask("Proton 2FA code: ", false);
        if (!answer) return std::nullopt;
        if (!answer->empty() && validate_flag(spec, *answer)) return answer;
        terminal.say("The code is 6 digits.");
    }
    return std::nullopt;
}

int run_call(RpcClient& rpc, Command const& cmd, Output& out) {
    auto const timeout = reply_timeout(cmd.method);
    bool const is_connect = cmd.method == proto::method::connect;
    if (is_connect && !out.json() && ::isatty(STDERR_FILENO)) out.note("Connecting...");
    auto reply = rpc.call(cmd.method, cmd.params, timeout);
    if (!reply && is_connect && reply.error().kind == CallError::Kind::rpc &&
        reply.error().error.code == Errc::twofa_required && stdin_is_terminal()) {
        TtyTerminal terminal;
        terminal.say(reply.error().error.message);
        if (auto code = ask_twofa(terminal)) {
            auto params = cmd.params;
            params["twofa"] = *code;
            reply = rpc.call(cmd.method, std::move(params), timeout);
        }
    }
    if (!reply) return out.failure(reply.error());

    std::string human;
    if (cmd.method == proto::method::list)
        human = format_list(*reply);
    else if (cmd.method == proto::method::disconnect)
        human = "Disconnected.\n" + format_status(*reply, now_unix());
    else
        human = format_status(*reply, now_unix());
    out.result(*reply, human);
    return 0;
}

int run_watch(RpcClient& rpc, Command const& cmd, Output& out) {
    auto subscribed = rpc.call(cmd.method, {}, 10s);
    if (!subscribed) return out.failure(subscribed.error());
    out.note("Watching pvpnd events (Ctrl-C to stop)...");
    for (;;) {
        auto problem = rpc.wait_notification(
            [&](std::string_view method, json::object const& params) {
                if (method != proto::event_notification) return;
                std::cout << (out.json() ? json::serialize(params) : format_event(params)) << '\n' << std::flush;
            },
            true);
        if (rpc.interrupted()) return 0;
        if (problem) return out.failure(*problem);
    }
}

int run_init_command(RpcClient& rpc, Command const& cmd, Output& out) {
    TtyTerminal terminal;
    bool const interactive = stdin_is_terminal();
    json::object sent;
    auto const timeout = reply_timeout(cmd.method);
    auto reply = run_init(rpc, cmd.init, interactive ? &terminal : nullptr, timeout, sent);
    if (!reply) return out.failure(reply.error());
    out.result(*reply, format_changes(*reply));
    if (!cmd.init.sections.contains("qbittorrent")) return 0;
    return setup_webui(rpc, cmd.init, sent, interactive ? &terminal : nullptr, out, timeout);
}

} // namespace

int run(std::span<std::string const> args) {
    auto parsed = parse_command_line(args);
    if (!parsed) {
        Output out(parsed.error().json, std::cout, std::cerr);
        return out.usage(parsed.error());
    }
    Command const& cmd = *parsed;
    Output out(cmd.global.json, std::cout, std::cerr);
    if (cmd.action == Action::help) {
        std::cout << cmd.help;
        return 0;
    }
    if (cmd.action == Action::version) {
        std::cout << "pvpn " << PVPN_VERSION << " (api " << proto::api_version << ")\n";
        return 0;
    }

    log::init(log::Options{.file = {}, .verbose = cmd.global.verbose, .to_stderr = true, .journal_prefix = false});
    auto const socket = resolve_socket(cmd.global, std::getenv("PVPN_SOCKET"));
    if (auto problem = check_socket_path(socket))
        return out.usage(UsageError{"PVPN_SOCKET " + *problem, cmd.name, cmd.global.json});

    RpcClient rpc(socket);
    if (auto problem = rpc.connect(connect_timeout)) return out.failure(*problem);
    if (auto problem = check_daemon(rpc, out)) return out.failure(*problem);

    switch (cmd.action) {
    case Action::call: return run_call(rpc, cmd, out);
    case Action::watch: return run_watch(rpc, cmd, out);
    case Action::init: return run_init_command(rpc, cmd, out);
    case Action::help:
    case Action::version: break;
    }
    return 0;
}

} // namespace pvpn::client
