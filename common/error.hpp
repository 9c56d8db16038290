// Error values shared by the daemon, the client and the wire protocol.
//
// Every failure that can reach a user is one of these codes. The numeric value
// is the JSON-RPC error code on the wire; `exit_code()` is what `pvpn` exits
// with. docs/rpc.md and docs/cli.md list them; keep the three in step.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace pvpn {

/// Error codes. Values in -32768..-32000 follow JSON-RPC 2.0; the rest of
/// -32099..-32000 is "implementation-defined server errors" and is ours.
enum class Errc : int {
    parse_error = -32700,       ///< Not JSON.
    invalid_request = -32600,   ///< JSON, but not a JSON-RPC 2.0 request.
    method_not_found = -32601,  ///< Unknown method name.
    invalid_params = -32602,    ///< Wrong, missing or mistyped parameters.
    internal = -32603,          ///< A bug or an unexpected system failure.
    permission_denied = -32001, ///< Caller may only read (not root, not in group pvpn).
    message_too_large = -32002, ///< A request line exceeded the size limit.
    config_invalid = -32003,    ///< config.ini cannot be parsed or a value is invalid.
    not_configured = -32004,    ///< A needed setting (e.g. Proton credentials) is missing.
    auth_failed = -32010,       ///< Wrong user name, password or 2FA code.
    twofa_required = -32011,    ///< The account needs a 2FA code for this login.
    human_verification = -32012,///< Proton asks for human verification (code 9001).
    rate_limited = -32013,      ///< Proton answered 429; data has retry_after.
    app_outdated = -32014,      ///< Proton refuses this client version (5003/5005).
    api_error = -32015,         ///< Proton answered with another error code.
    no_server = -32020,         ///< No server matches the filters.
    network = -32021,           ///< The network, the API or a server is unreachable.
    tunnel_failed = -32022,     ///< Bringing up the tunnel failed (interface, routes, firewall).
    busy = -32030,              ///< Another operation holds the state; try again.
    cancelled = -32031,         ///< Superseded by a later command (e.g. disconnect during connect).
};

/// Short stable name for logs and `--json` output, e.g. "permission_denied".
std::string_view errc_name(Errc code);

/// Exit status of `pvpn` for a failed call with this code (see docs/cli.md).
int exit_code(Errc code);

/// Maps a wire code back to Errc; unknown codes become Errc::internal.
Errc errc_from_int(int code);

/// A failure with a message written for the user (never containing a secret).
struct Error {
    Errc code = Errc::internal;
    std::string message;
    /// Extra facts for programs, sent as the JSON-RPC error's "data" (e.g. the
    /// human-verification URL, retry_after). Never a secret.
    boost::json::object data = {};
};

/// Lets boost::system::result<T, Error>::value() throw.
[[noreturn]] void throw_exception_from_error(Error const& e, boost::source_location const& loc);

/// Exception carrying an Error (only for code paths that must throw).
class ErrorException : public std::exception {
public:
    explicit ErrorException(Error e) : error_(std::move(e)) {}
    const char* what() const noexcept override { return error_.message.c_str(); }
    Error const& error() const noexcept { return error_; }

private:
    Error error_;
};

template <class T>
using Result = boost::system::result<T, Error>;

/// Shorthand: `return fail(Errc::no_server, "no server in ", cc);`
Error fail(Errc code, std::string message);

} // namespace pvpn
