#include "daemon/wg/wg_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace pvpn::wg {

namespace {

/// posix_spawn attributes and file actions, destroyed on every path.
struct SpawnSetup {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    SpawnSetup() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(SpawnSetup const&) = delete;
    SpawnSetup& operator=(SpawnSetup const&) = delete;
};

std::string read_cmdline(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

Result<pid_t> spawn_wireguard_go(SpawnOptions const& options, std::string const& ifname) {
    std::string const log = options.log_file.empty() ? std::string("/dev/null") : options.log_file.string();
    SpawnSetup setup;
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &all);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&setup.actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);

    std::string binary = options.binary.string();
    std::string foreground = "-f";
    std::string name = ifname;
    std::vector<char*> argv{binary.data(), foreground.data(), name.data(), nullptr};
    std::string env_foreground = "WG_PROCESS_FOREGROUND=1";
    std::string env_level = "LOG_LEVEL=" + (options.log_level.empty() ? std::string("error") : options.log_level);
    std::string env_path = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    std::vector<char*> envp{env_foreground.data(), env_level.data(), env_path.data(), nullptr};

    pid_t pid = 0;
    int err = posix_spawn(&pid, binary.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
    if (err != 0) return fail(Errc::tunnel_failed, "cannot start " + binary + ": " + std::strerror(err));
    return pid;
}

bool is_wireguard_go_cmdline(std::string_view cmdline, std::string_view ifname) {
    std::vector<std::string_view> args;
    while (!cmdline.empty()) {
        auto nul = cmdline.find('\0');
        args.push_back(cmdline.substr(0, nul));
        if (nul == std::string_view::npos) break;
        cmdline.remove_prefix(nul + 1);
    }
    if (args.size() < 2 || args.back() != ifname) return false;
    std::string_view program = args.front();
    auto slash = program.rfind('/');
    if (slash != std::string_view::npos) program.remove_prefix(slash + 1);
    return program == "wireguard-go";
}

bool is_wireguard_go(pid_t pid, std::string_view ifname) {
    return pid > 0 && is_wireguard_go_cmdline(read_cmdline(pid), ifname);
}

std::optional<pid_t> find_wireguard_go(std::string_view ifname) {
    std::error_code ec;
    for (auto const& entry : std::filesystem::directory_iterator("/proc", ec)) {
        auto const name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = static_cast<pid_t>(std::stol(name));
        if (is_wireguard_go(pid, ifname)) return pid;
    }
    return std::nullopt;
}

bool is_child(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

bool process_ended(pid_t pid) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r == 0) return false;  // our child, still running
    // Not our child (adopted after a crash): it has ended when it is gone or
    // a zombie waiting for its own parent.
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text(std::istreambuf_iterator<char>(stat), {});
    auto close = text.rfind(')');
    return close == std::string::npos || (close + 2 < text.size() && text[close + 2] == 'Z');
}

std::string child_exit_reason(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) return {};
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "unknown status";
}

} // namespace pvpn::wg
