// Logging: one line per event to stderr (journald reads the <N> priority
// prefix) and, when configured, to pvpn.log (mode 0600).
//
// Secrets never reach a log: callers do not pass them, and as a second line of
// defence every registered secret value is masked in each line written.
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

namespace pvpn::log {

enum class Level { debug = 7, info = 6, warn = 4, error = 3 };

struct Options {
    std::filesystem::path file;  ///< Empty: no file.
    bool verbose = false;        ///< Also write debug lines.
    bool to_stderr = true;
    bool journal_prefix = false; ///< Prefix "<N>" for journald (set when under systemd).
};

/// (Re)configures the sinks; safe to call again (e.g. after the config dir is known).
void init(Options const& options);

/// Registers a value that must never appear in a log line (masked as "***").
/// Values shorter than 4 characters are ignored (they would mask ordinary text).
void add_secret(std::string_view value);

void write(Level level, std::string_view module, std::string_view message);

bool enabled(Level level);

template <class... Args>
std::string cat(Args const&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

template <class... Args>
void debug(std::string_view module, Args const&... args) {
    if (enabled(Level::debug)) write(Level::debug, module, cat(args...));
}
template <class... Args>
void info(std::string_view module, Args const&... args) {
    write(Level::info, module, cat(args...));
}
template <class... Args>
void warn(std::string_view module, Args const&... args) {
    write(Level::warn, module, cat(args...));
}
template <class... Args>
void error(std::string_view module, Args const&... args) {
    write(Level::error, module, cat(args...));
}

} // namespace pvpn::log
