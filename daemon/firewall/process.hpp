// Runs a short-lived tool (iptables-restore and friends) to completion.
#pragma once

#include "common/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace pvpn::firewall {

/// What a finished process left behind.
struct ProcessResult {
    int exit_status = -1; ///< The exit code; -1 when killed by a signal.
    std::string out;
    std::string err;
};

/// Runs argv[0] (looked up in PATH) with `input` as its stdin and waits for
/// it. Blocks: only for tools that finish in milliseconds. Fails only when
/// the process cannot be started; a non-zero exit is in the result.
Result<ProcessResult> run_process(std::vector<std::string> const& argv, std::string_view input);

} // namespace pvpn::firewall
