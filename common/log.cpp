#include "common/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace pvpn::log {
namespace {

struct State {
    Options options;
    int fd = -1;
    std::vector<std::string> secrets;
};

State& state() {
    static State s;
    return s;
}

std::string_view level_name(Level level) {
    switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    }
    return "info";
}

std::string mask(std::string line) {
    for (auto const& secret : state().secrets) {
        for (auto pos = line.find(secret); pos != std::string::npos; pos = line.find(secret, pos))
            line.replace(pos, secret.size(), "***");
    }
    return line;
}

void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        auto n = ::write(fd, text.data(), text.size());
        if (n <= 0) return;
        text.remove_prefix(static_cast<size_t>(n));
    }
}

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
    return out;
}

} // namespace

void init(Options const& options) {
    auto& s = state();
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
    s.options = options;
    if (!options.file.empty()) {
        s.fd = ::open(options.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (s.fd >= 0) ::fchmod(s.fd, 0600);
    }
}

void add_secret(std::string_view value) {
    if (value.size() < 4) return;
    auto& secrets = state().secrets;
    for (auto const& s : secrets)
        if (s == value) return;
    secrets.emplace_back(value);
}

bool enabled(Level level) { return level != Level::debug || state().options.verbose; }

void write(Level level, std::string_view module, std::string_view message) {
    if (!enabled(level)) return;
    auto& s = state();
    auto body = mask(cat(level_name(level), " [", module, "] ", message));
    if (s.options.to_stderr) {
        auto line = s.options.journal_prefix ? cat("<", static_cast<int>(level), ">", body, "\n") : body + "\n";
        write_all(STDERR_FILENO, line);
    }
    if (s.fd >= 0) write_all(s.fd, cat(timestamp(), " ", body, "\n"));
}

} // namespace pvpn::log
