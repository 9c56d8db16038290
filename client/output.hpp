// Where `pvpn` writes results and errors, and which exit status each failure
// gets. With --json, stdout carries exactly one JSON document per result or
// error (one line per event for `status --watch`); otherwise results go to
// stdout and messages with hints to stderr.
#pragma once

#include "client/cli.hpp"
#include "client/rpc_client.hpp"

#include <boost/json/value.hpp>

#include <iosfwd>
#include <string_view>

namespace pvpn::client {

/// Exit status for a failure (docs/cli.md): 3 unreachable, exit_code(Errc)
/// for daemon errors, 1 for transport and local failures.
int exit_status(CallError const& error);

/// The JSON document printed for a failure with --json:
/// {"error": {"code": int|null, "name": "...", "message": "...", "data": ...}}.
boost::json::object error_json(CallError const& error);

/// The JSON document printed for a usage error with --json (name "usage").
boost::json::object usage_json(UsageError const& error);

/// Hint lines for a failure, e.g. how to join group pvpn after permission_denied.
std::string error_hints(CallError const& error);

/// Prints results and failures in the chosen mode.
class Output {
public:
    Output(bool json, std::ostream& out, std::ostream& err) : json_(json), out_(out), err_(err) {}

    bool json() const { return json_; }

    /// Prints a result: the raw JSON with --json, else `human`.
    void result(boost::json::value const& raw, std::string_view human);

    /// Prints a failure with its hints; returns the exit status.
    int failure(CallError const& error);

    /// Prints a usage error and the --help hint; returns 2.
    int usage(UsageError const& error);

    /// A line for people only (stderr; nothing with --json).
    void note(std::string_view line);

    /// A warning (stderr in both modes: it never mixes with JSON on stdout).
    void warn(std::string_view line);

private:
    bool json_;
    std::ostream& out_;
    std::ostream& err_;
};

} // namespace pvpn::client
