#include "client/cli.hpp"

#include "proto/methods.hpp"
#include "proto/validate.hpp"

#include <boost/program_options.hpp>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

namespace pvpn::client {
namespace json = boost::json;
namespace po = boost::program_options;

namespace {

constexpr unsigned bit(Cmd c) { return static_cast<unsigned>(c); }
constexpr unsigned connect_list = bit(Cmd::connect) | bit(Cmd::list);

// clang-format off
constexpr std::array<FlagSpec, 28> all_flags{{
    // Server selection (connect, list).
    {"cc", 'c', connect_list, ValueKind::country, "CC", "", "cc",
     "two-letter country code, e.g. CH", ""},
    {"fastest", 'f', connect_list, ValueKind::fastest, "ping|api", "", "fastest",
     "rank servers by measured ping or by Proton's score (default from the daemon: ping)", ""},
    {"threshold", 't', connect_list, ValueKind::threshold, "1..100", "", "threshold",
     "maximum server load in % (default: threshold_default in config.ini)", ""},
    {"sc", 0, connect_list, ValueKind::none, "", "", "sc", "Secure Core (multi-hop) servers only", ""},
    {"p2p", 0, connect_list, ValueKind::none, "", "", "p2p", "P2P servers only (needed for port forwarding)", ""},
    {"latency-cutoff", 'l', bit(Cmd::connect), ValueKind::latency, "MS", "", "latency_cutoff",
     "take the first server answering faster than MS milliseconds (1..10000)", ""},
    {"dns", 0, bit(Cmd::connect), ValueKind::boolean, "true|false", "", "dns",
     "use Proton's DNS (default: dns_default in config.ini)", ""},
    {"ks", 0, bit(Cmd::connect) | bit(Cmd::disconnect), ValueKind::boolean, "true|false", "", "ks",
     "connect: enable the kill-switch (default: ks_default); disconnect: keep it blocking (true) "
     "or remove it (false)", ""},
    {"hv-token", 0, bit(Cmd::connect), ValueKind::token, "TOKEN", "", "hv_token",
     "a solved Proton human-verification token", ""},
    {"watch", 0, bit(Cmd::status), ValueKind::none, "", "", "",
     "keep running and print each event as it happens", ""},
    // init scopes.
    {"proton", 0, bit(Cmd::init), ValueKind::none, "", "", "", "configure the Proton VPN account ([protonvpn])", ""},
    {"qb", 0, bit(Cmd::init), ValueKind::none, "", "", "", "configure qBittorrent ([qbittorrent])", ""},
    {"network", 0, bit(Cmd::init), ValueKind::none, "", "", "", "configure network defaults ([network])", ""},
    // init values: [protonvpn].
    {"proton-user", 0, bit(Cmd::init), ValueKind::name, "USER", "protonvpn", "user",
     "Proton account user name", "Proton user name"},
    {"proton-pass", 0, bit(Cmd::init), ValueKind::secret, "PASS", "protonvpn", "pass",
     "Proton account password", "Proton password"},
    {"proton-2fa", 0, bit(Cmd::init), ValueKind::twofa, "CODE", "protonvpn", "2fa",
     "6-digit 2FA code for the next login (optional; '' clears it)", "Proton 2FA code (optional)"},
    {"wireguard-port", 0, bit(Cmd::init), ValueKind::port, "PORT", "protonvpn", "wireguard_port",
     "WireGuard server port (default 51820)", "WireGuard port"},
    {"session-dir", 0, bit(Cmd::init), ValueKind::abs_path, "DIR", "protonvpn", "session_dir",
     "absolute path where the Proton session is kept (default: the config dir)", "Session directory"},
    // init values: [qbittorrent].
    {"qb-enable", 0, bit(Cmd::init), ValueKind::boolean, "true|false", "qbittorrent", "enable",
     "update qBittorrent's listen port through its WebUI (default true)", "Use the qBittorrent WebUI"},
    {"qb-url", 0, bit(Cmd::init), ValueKind::url, "URL", "qbittorrent", "url",
     "WebUI address, e.g. http://127.0.0.1:8080", "qBittorrent WebUI URL"},
    {"qb-user", 0, bit(Cmd::init), ValueKind::text, "USER", "qbittorrent", "user",
     "WebUI user name (empty with localhost auth bypass)", "qBittorrent user name"},
    {"qb-pass", 0, bit(Cmd::init), ValueKind::secret_empty, "PASS", "qbittorrent", "pass",
     "WebUI password", "qBittorrent password"},
    {"qb-bind-interface", 0, bit(Cmd::init), ValueKind::boolean, "true|false", "qbittorrent",
     "bind_interface", "bind qBittorrent to the VPN interface", "Bind qBittorrent to the VPN interface"},
    {"qb-conf", 0, bit(Cmd::init), ValueKind::abs_path, "PATH", "", "",
     "qbittorrent-nox's qBittorrent.conf, to enable its WebUI in (default: found from its service)", ""},
    // init values: [network].
    {"ks-default", 0, bit(Cmd::init), ValueKind::boolean, "true|false", "network", "ks_default",
     "kill-switch on connect by default (default false)", "Kill-switch by default"},
    {"dns-default", 0, bit(Cmd::init), ValueKind::boolean, "true|false", "network", "dns_default",
     "use Proton DNS by default (default true)", "Proton DNS by default"},
    {"threshold-default", 0, bit(Cmd::init), ValueKind::threshold, "1..100", "network",
     "threshold_default", "default maximum server load in % (default 60)", "Maximum server load %"},
    {"allow-lan", 0, bit(Cmd::init), ValueKind::boolean, "true|false", "network", "allow_lan",
     "let LAN traffic bypass the kill-switch", "Allow LAN traffic with the kill-switch"},
}};
// clang-format on

constexpr std::array<ScopeSpec, 3> scope_table{{
    {"proton", "protonvpn", "Proton VPN account"},
    {"qb", "qbittorrent", "qBittorrent"},
    {"network", "network", "Network defaults"},
}};

struct CommandSpec {
    std::string_view name;
    std::string_view alias;
    Cmd cmd;
    std::string_view method;
    std::string_view summary;
};

constexpr std::array<CommandSpec, 5> command_table{{
    {"init", "", Cmd::init, proto::method::config_set,
     "set up config.ini (all sections, or only those of --proton, --qb, --network)"},
    {"connect", "c", Cmd::connect, proto::method::connect, "connect to the best matching server"},
    {"disconnect", "d", Cmd::disconnect, proto::method::disconnect, "tear the tunnel down"},
    {"status", "s", Cmd::status, proto::method::status, "show the connection (--watch: follow events)"},
    {"list", "", Cmd::list, proto::method::list, "list servers matching filters"},
}};

CommandSpec const* find_command(std::string_view word) {
    for (auto const& c : command_table)
        if (c.name == word || (!c.alias.empty() && c.alias == word)) return &c;
    return nullptr;
}

FlagSpec const* find_flag(std::string_view name) {
    for (auto const& f : all_flags)
        if (f.name == name || (f.short_name != 0 && name.size() == 1 && name[0] == f.short_name)) return &f;
    return nullptr;
}

bool applies(FlagSpec const& f, Cmd cmd) { return (f.commands & bit(cmd)) != 0; }

std::string commands_of(FlagSpec const& f) {
    std::string out;
    for (auto const& c : command_table) {
        if (!applies(f, c.cmd)) continue;
        if (!out.empty()) out += ", ";
        out += c.name;
    }
    return out;
}

// A user value quoted for a message: control characters replaced, long values cut.
std::string quoted(std::string_view value) {
    std::string out = "'";
    for (unsigned char c : value.substr(0, 40)) out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    if (value.size() > 40) out += "...";
    return out + "'";
}

bool has_control(std::string_view value) {
    return std::any_of(value.begin(), value.end(),
                       [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

UsageError usage(std::string message, std::string_view command = {}) {
    return UsageError{std::move(message), std::string(command), false};
}

// The name of an option token: "--cc=US" -> "cc", "-cUS" -> "c".
std::string option_name(std::string_view token) {
    auto start = token.find_first_not_of('-');
    if (start == std::string_view::npos) return std::string(token);
    auto name = token.substr(start);
    if (token.starts_with("--")) return std::string(name.substr(0, name.find('=')));
    return std::string(name.substr(0, 1));
}

// One help line per flag, the description wrapped at 80 columns.
std::string flag_usage(FlagSpec const& f) {
    constexpr std::size_t indent = 30;
    constexpr std::size_t width = 80;
    std::string out = "  ";
    out += f.short_name ? std::string{'-', f.short_name, ',', ' '} : std::string("    ");
    out += "--";
    out += f.name;
    if (f.kind != ValueKind::none) {
        out += ' ';
        out += f.metavar;
    }
    if (out.size() + 2 > indent) out += "\n";
    std::size_t line_start = out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1;
    out.resize(line_start + indent, ' ');
    std::string_view rest = f.help;
    while (!rest.empty()) {
        std::size_t room = width - indent;
        std::size_t cut = rest.size();
        if (cut > room) {
            cut = rest.rfind(' ', room);
            if (cut == std::string_view::npos || cut == 0) cut = room;
        }
        out += rest.substr(0, cut);
        rest.remove_prefix(cut);
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        if (!rest.empty()) out += "\n" + std::string(indent, ' ');
    }
    out += '\n';
    return out;
}

constexpr std::string_view global_help =
    "  -h, --help                  show help\n"
    "      --json                  print the daemon's reply as JSON (errors too)\n"
    "      --verbose               print debug messages to stderr\n"
    "      --socket PATH           pvpnd's socket (default: $PVPN_SOCKET, else /run/pvpn.sock)\n";

void add_global_options(po::options_description& desc) {
    desc.add_options()("help,h", po::bool_switch())("json", po::bool_switch())("verbose", po::bool_switch())(
        "socket", po::value<std::string>());
}

// Parses the words after the command with Boost.Program_options.
boost::system::result<po::variables_map, UsageError> run_parser(CommandSpec const& spec,
                                                                 std::vector<std::string> const& rest) {
    po::options_description desc;
    add_global_options(desc);
    for (auto const& f : all_flags) {
        if (!applies(f, spec.cmd)) continue;
        std::string names(f.name);
        if (f.short_name) names += std::string{',', f.short_name};
        if (f.kind == ValueKind::none)
            desc.add_options()(names.c_str(), po::bool_switch());
        else
            desc.add_options()(names.c_str(), po::value<std::string>());
    }
    desc.add_options()("pvpn-positional", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("pvpn-positional", -1);

    auto const style = po::command_line_style::unix_style & ~po::command_line_style::allow_guessing;
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(rest).options(desc).positional(positional).style(style).run(), vm);
        po::notify(vm);
    } catch (po::unknown_option const& e) {
        auto name = option_name(e.get_option_name());
        auto const* f = find_flag(name);
        if (f && !applies(*f, spec.cmd))
            return usage("--" + std::string(f->name) + " does not apply to '" + std::string(spec.name) +
                             "' (it is for: " + commands_of(*f) + ")",
                         spec.name);
        return usage("unknown option " + quoted(e.get_option_name()), spec.name);
    } catch (po::error const& e) {
        return usage(e.what(), spec.name);
    }
    if (vm.count("pvpn-positional")) {
        auto const& extra = vm["pvpn-positional"].as<std::vector<std::string>>();
        return usage("unexpected argument " + quoted(extra.front()), spec.name);
    }
    return vm;
}

// The init plan from the parsed flags: chosen scopes and the values given.
boost::system::result<InitPlan, UsageError> build_init(po::variables_map const& vm) {
    std::vector<std::string_view> chosen;
    for (auto const& s : scope_table)
        if (vm[std::string(s.flag)].as<bool>()) chosen.push_back(s.section);
    if (chosen.empty())
        for (auto const& s : scope_table) chosen.push_back(s.section);

    InitPlan plan;
    for (auto section : chosen) plan.sections[section] = json::object{};
    for (auto const& f : all_flags) {
        if (f.section.empty() || !vm.count(std::string(f.name))) continue;
        auto* section = plan.sections.if_contains(f.section);
        if (!section) {
            auto const& scope = *std::find_if(scope_table.begin(), scope_table.end(),
                                              [&](ScopeSpec const& s) { return s.section == f.section; });
            return usage("--" + std::string(f.name) + " is a --" + std::string(scope.flag) +
                             " setting: add --" + std::string(scope.flag) + " to change it",
                         "init");
        }
        auto value = validate_flag(f, vm[std::string(f.name)].as<std::string>());
        if (!value) return usage(value.error().message, "init");
        section->as_object()[f.key] = *value;
    }
    if (vm.count("qb-conf")) {
        if (!plan.sections.contains("qbittorrent"))
            return usage("--qb-conf is a --qb setting: add --qb to use it", "init");
        auto const& spec = *std::find_if(all_flags.begin(), all_flags.end(),
                                         [](FlagSpec const& f) { return f.name == "qb-conf"; });
        auto value = validate_flag(spec, vm["qb-conf"].as<std::string>());
        if (!value) return usage(value.error().message, "init");
        plan.qb_conf = std::string(value->as_string());
    }
    return plan;
}

// The RPC params of a non-init command: only the flags given, validated.
boost::system::result<json::object, UsageError> build_params(CommandSpec const& spec, po::variables_map const& vm) {
    json::object params;
    for (auto const& f : all_flags) {
        if (!applies(f, spec.cmd) || f.key.empty()) continue;
        std::string name(f.name);
        if (f.kind == ValueKind::none) {
            if (vm[name].as<bool>()) params[f.key] = true;
            continue;
        }
        if (!vm.count(name)) continue;
        auto value = validate_flag(f, vm[name].as<std::string>());
        if (!value) return usage(value.error().message, spec.name);
        params[f.key] = std::move(*value);
    }
    return params;
}

} // namespace

bool is_secret(ValueKind kind) {
    return kind == ValueKind::secret || kind == ValueKind::secret_empty || kind == ValueKind::twofa;
}

std::span<FlagSpec const> flags() { return all_flags; }

std::span<ScopeSpec const> scopes() { return scope_table; }

boost::system::result<json::value, UsageError> validate_flag(FlagSpec const& spec, std::string_view value) {
    std::string flag = "--" + std::string(spec.name);
    auto got = is_secret(spec.kind) ? std::string() : " (got " + quoted(value) + ")";
    auto bad = [&](std::string_view what) { return usage(flag + " must be " + std::string(what) + got); };
    auto integer = [&](long lo, long hi, std::string_view what) -> boost::system::result<json::value, UsageError> {
        if (auto n = proto::parse_int_in(value, lo, hi)) return json::value(static_cast<std::int64_t>(*n));
        return bad(what);
    };
    switch (spec.kind) {
    case ValueKind::none:
        return json::value(true);
    case ValueKind::country:
        if (auto cc = proto::normalize_country(value)) return json::value(*cc);
        return bad("a two-letter country code such as CH");
    case ValueKind::boolean:
        if (auto b = proto::parse_bool(value)) return json::value(*b);
        return bad("true or false");
    case ValueKind::fastest:
        if (proto::valid_fastest(value)) return json::value(value);
        return bad("ping or api");
    case ValueKind::threshold:
        return integer(1, 100, "a whole number from 1 to 100");
    case ValueKind::latency:
        return integer(1, 10000, "a number of milliseconds from 1 to 10000");
    case ValueKind::port:
        return integer(1, 65535, "a port number from 1 to 65535");
    case ValueKind::url:
        if (proto::valid_http_url(value)) return json::value(value);
        return bad("an http:// or https:// URL such as http://127.0.0.1:8080");
    case ValueKind::twofa:
        if (value.empty() ||
            (value.size() == 6 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })))
            return json::value(value);
        return bad("a 6-digit code");
    case ValueKind::abs_path:
        if (!value.starts_with('/')) return bad("an absolute path (starting with /)");
        if (has_control(value)) return bad("a path without control characters");
        return json::value(value);
    case ValueKind::name:
    case ValueKind::secret:
        if (value.empty()) return usage(flag + " must not be empty");
        [[fallthrough]];
    case ValueKind::text:
    case ValueKind::secret_empty:
        if (has_control(value)) return usage(flag + " must not contain control characters");
        return json::value(value);
    case ValueKind::token:
        if (value.empty() || has_control(value) || value.find(' ') != std::string_view::npos)
            return bad("a token without spaces");
        return json::value(value);
    }
    return bad("valid");
}

boost::system::result<Command, UsageError> parse_command_line(std::span<std::string const> args) {
    bool const json_seen = std::find(args.begin(), args.end(), "--json") != args.end();
    auto result = [&]() -> boost::system::result<Command, UsageError> {
        Command out;
        bool help = false;
        bool version = false;
        std::size_t i = 0;
        // Global options may come before the command.
        for (; i < args.size(); ++i) {
            std::string_view a = args[i];
            if (a == "--json")
                out.global.json = true;
            else if (a == "--verbose")
                out.global.verbose = true;
            else if (a == "-h" || a == "--help")
                help = true;
            else if (a == "--version")
                version = true;
            else if (a == "--socket" || a.starts_with("--socket=")) {
                if (a == "--socket") {
                    if (i + 1 == args.size()) return usage("--socket needs a PATH");
                    out.global.socket = args[++i];
                } else {
                    out.global.socket = a.substr(9);
                }
                if (auto problem = check_socket_path(out.global.socket)) return usage("--socket " + *problem);
            } else if (a.starts_with('-') && a.size() > 1) {
                auto const* f = find_flag(option_name(a));
                if (f)
                    return usage("--" + std::string(f->name) + " goes after the command (it is for: " +
                                 commands_of(*f) + ")");
                return usage("unknown option " + quoted(a));
            } else {
                break;
            }
        }
        if (version) {
            out.action = Action::version;
            return out;
        }
        if (i == args.size()) {
            if (help) {
                out.help = top_help();
                return out;
            }
            return usage("missing command (one of init, connect, disconnect, status, list)");
        }
        auto const* spec = find_command(args[i]);
        if (!spec) return usage("unknown command " + quoted(args[i]) + " (one of init, connect, disconnect, status, list)");
        out.name = spec->name;
        std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
        if (help || std::any_of(rest.begin(), rest.end(), [](auto const& w) { return w == "-h" || w == "--help"; })) {
            out.help = command_help(spec->name);
            return out;
        }

        auto vm = run_parser(*spec, rest);
        if (!vm) return vm.error();
        if ((*vm)["json"].as<bool>()) out.global.json = true;
        if ((*vm)["verbose"].as<bool>()) out.global.verbose = true;
        if (vm->count("socket")) {
            out.global.socket = (*vm)["socket"].as<std::string>();
            if (auto problem = check_socket_path(out.global.socket))
                return usage("--socket " + *problem, spec->name);
        }

        if (spec->cmd == Cmd::init) {
            auto plan = build_init(*vm);
            if (!plan) return plan.error();
            out.action = Action::init;
            out.method = spec->method;
            out.init = std::move(*plan);
            return out;
        }
        auto params = build_params(*spec, *vm);
        if (!params) return params.error();
        out.action = Action::call;
        out.method = spec->method;
        out.params = std::move(*params);
        if (spec->cmd == Cmd::status && (*vm)["watch"].as<bool>()) {
            out.action = Action::watch;
            out.method = proto::method::watch;
        }
        return out;
    }();
    if (!result) {
        auto e = result.error();
        e.json = json_seen;
        return e;
    }
    return result;
}

std::string resolve_socket(GlobalOptions const& global, char const* env_socket) {
    if (!global.socket.empty()) return global.socket;
    if (env_socket && *env_socket) return env_socket;
    return std::string(default_socket);
}

std::optional<std::string> check_socket_path(std::string_view path) {
    if (path.empty()) return "must not be empty";
    if (path.size() >= sizeof(sockaddr_un{}.sun_path))
        return "is too long (at most " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)";
    if (path.find('\0') != std::string_view::npos) return "must not contain NUL";
    return std::nullopt;
}

std::string top_help() {
    std::string out =
        "pvpn: control pvpnd, the headless Proton VPN WireGuard daemon\n\n"
        "Usage: pvpn [global options] COMMAND [options]\n\nCommands:\n";
    for (auto const& c : command_table) {
        std::string names(c.name);
        if (!c.alias.empty()) names += ", " + std::string(c.alias);
        names.resize(std::max<std::size_t>(names.size() + 2, 16), ' ');
        out += "  " + names + std::string(c.summary) + "\n";
    }
    out += "\nGlobal options (before or after the command):\n";
    out += global_help;
    out += "      --version               print the version\n";
    out += "\nRun 'pvpn COMMAND --help' for a command's options.\n";
    return out;
}

std::string command_help(std::string_view command) {
    auto const* spec = find_command(command);
    if (!spec) return top_help();
    std::string out = "Usage: pvpn " + std::string(spec->name) + " [options]\n";
    if (!spec->alias.empty()) out += "Alias: pvpn " + std::string(spec->alias) + "\n";
    std::string summary(spec->summary);
    summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
    out += "\n" + summary + ".\n";
    if (spec->cmd == Cmd::init)
        out += "Without --proton, --qb or --network all three sections are set up. On a terminal,\n"
               "every key not given by a flag is asked for (Enter keeps the current value;\n"
               "passwords are read without echo). Without a terminal only the flags are used.\n";
    out += "\nOptions:\n";
    for (auto const& f : all_flags)
        if (applies(f, spec->cmd)) out += flag_usage(f);
    out += "\nGlobal options:\n";
    out += global_help;
    return out;
}

void throw_exception_from_error(UsageError const& e, boost::source_location const&) {
    throw std::invalid_argument(e.message);
}

} // namespace pvpn::client
