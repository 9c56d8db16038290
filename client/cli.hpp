// Command-line parsing for `pvpn`: turns argv into a Command (an RPC method
// with validated params, or an init plan) or a UsageError. Pure: no I/O, no
// environment access, so every flag and alias is unit-testable.
//
// Every flag lives in one table (flags()): its names, the commands it applies
// to, the kind of value it takes and where that value goes (an RPC param or a
// config key). Parsing, validation, help text and init prompts all read it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::client {

/// The subcommands; values are bits so a flag can name the commands it applies to.
enum class Cmd : unsigned { init = 1, connect = 2, disconnect = 4, status = 8, list = 16 };

/// What a flag's value must look like; also decides the JSON type sent.
enum class ValueKind {
    none,         ///< A switch: present means true.
    country,      ///< Two letters, sent upper-case.
    boolean,      ///< true|false (proto::parse_bool), sent as a JSON bool.
    fastest,      ///< ping|api.
    threshold,    ///< Integer 1..100.
    latency,      ///< Integer 1..10000 (ms).
    port,         ///< Integer 1..65535.
    url,          ///< http(s) URL (proto::valid_http_url).
    twofa,        ///< Six digits; empty clears the stored code. Secret.
    abs_path,     ///< An absolute path.
    name,         ///< Non-empty text without control characters.
    text,         ///< Text without control characters; may be empty.
    secret,       ///< Non-empty secret text: never echoed or shown.
    secret_empty, ///< Secret text that may be empty (clears it).
    token,        ///< Non-empty text without spaces or control characters.
};

/// True for kinds whose values must never be printed.
bool is_secret(ValueKind kind);

/// One command-line flag.
struct FlagSpec {
    std::string_view name;      ///< Long name without dashes, e.g. "threshold".
    char short_name;            ///< e.g. 't', or 0.
    unsigned commands;          ///< Bitwise or of Cmd values it applies to.
    ValueKind kind;
    std::string_view metavar;   ///< Placeholder in help, e.g. "1..100".
    std::string_view section;   ///< init only: config section ("protonvpn"); empty otherwise.
    std::string_view key;       ///< RPC param or config key; empty for init scopes and --watch.
    std::string_view help;      ///< One line for --help.
    std::string_view prompt;    ///< init only: the question asked on a terminal.
};

/// The flag table, in help and prompt order.
std::span<FlagSpec const> flags();

/// The init scopes: `--proton`, `--qb`, `--network` and the section each touches.
struct ScopeSpec {
    std::string_view flag;     ///< "proton"
    std::string_view section;  ///< "protonvpn"
    std::string_view title;    ///< "Proton VPN account"
};

/// The init scopes in prompt order: proton, qb, network.
std::span<ScopeSpec const> scopes();


/// Options valid before or after any command.
struct GlobalOptions {
    std::string socket;   ///< Empty: PVPN_SOCKET or the default.
    bool json = false;
    bool verbose = false;
};

/// What `pvpn init` was asked to do before anything is read or prompted.
struct InitPlan {
    /// Sections of the chosen scopes (all three when none was named), each
    /// holding the values given by flags, e.g. {"protonvpn": {"user": "alice"}}.
    boost::json::object sections;
    /// --qb-conf: the qBittorrent.conf to set the WebUI up in ("": found by pvpnd).
    std::string qb_conf;
};

/// The action a parsed command line asks for.
enum class Action {
    help,     ///< Print `help` and exit 0.
    version,  ///< Print the version.
    call,     ///< Send `method` with `params` and print the result.
    watch,    ///< Subscribe with watch.v1 and print events.
    init,     ///< Run the init flow with `init`.
};

/// A parsed and validated command line.
struct Command {
    Action action = Action::help;
    std::string name;             ///< Canonical command ("connect" for "c"); empty at top level.
    std::string method;           ///< RPC method for call/watch.
    boost::json::object params;   ///< Only what the user gave.
    InitPlan init;
    GlobalOptions global;
    std::string help;             ///< Help text for Action::help.
};

/// A command line that cannot be run: one line naming the problem, and the
/// command whose --help to suggest (empty: top-level help).
struct UsageError {
    std::string message;
    std::string command;
    bool json = false;  ///< --json was seen, so report as JSON.
};

/// Checks one value for `spec`; returns the JSON value to send or an error
/// whose message names the flag (the value itself is left out for secrets).
boost::system::result<boost::json::value, UsageError> validate_flag(FlagSpec const& spec,
                                                                    std::string_view value);

/// Parses `args` (argv without the program name). Never throws.
boost::system::result<Command, UsageError> parse_command_line(std::span<std::string const> args);

/// The socket to use: --socket, else env PVPN_SOCKET (if set and non-empty), else /run/pvpn.sock.
std::string resolve_socket(GlobalOptions const& global, char const* env_socket);

/// Checks a socket path (non-empty, fits sockaddr_un); returns a message or nothing.
std::optional<std::string> check_socket_path(std::string_view path);

/// The default control socket.
inline constexpr std::string_view default_socket = "/run/pvpn.sock";

/// The top-level help text.
std::string top_help();

/// Help for one command (canonical name).
std::string command_help(std::string_view command);

/// Lets result<T, UsageError>::value() throw (callers check first).
[[noreturn]] void throw_exception_from_error(UsageError const& e, boost::source_location const& loc);

} // namespace pvpn::client
