// What a restarted pvpnd needs to resume the connection it had: that the user
// wants to be connected, with which connect parameters, and (once connected)
// on which server. Kept in <run_dir>/connection.json (0600, no secrets):
// written when a connect starts and when it reaches a server, removed by
// disconnect and by a connect the user saw fail. Reconnects by the monitor
// keep it, since the user still wants the connection.
#pragma once

#include "common/error.hpp"
#include "daemon/core/chosen_server.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/params.hpp"

#include <filesystem>
#include <optional>

namespace pvpn::core {

/// The connection a restarted pvpnd should have.
struct ResumeState {
    ConnectParams params;                ///< Without the one-time twofa and hv_token.
    std::optional<ChosenServer> server;  ///< The server it was connected to, if any.
};

/// The file's text: {"version": 1, "params": {...connect.v1...}, "server": {...} | null}.
std::string resume_json(ResumeState const& state);

/// Parses resume_json()'s text; params are checked as connect.v1's, with
/// `config` supplying anything missing.
Result<ResumeState> parse_resume(std::string_view text, Config const& config);

/// Reads `path`: nullopt when there is none; an error when it cannot be used.
Result<std::optional<ResumeState>> load_resume(std::filesystem::path const& path, Config const& config);

/// Writes `path` atomically, mode 0600.
Result<void> save_resume(std::filesystem::path const& path, ResumeState const& state);

/// Removes `path` (a missing file is fine).
Result<void> forget_resume(std::filesystem::path const& path);

} // namespace pvpn::core
