#include "daemon/firewall/process.hpp"

#include <cerrno>
#include <cstring>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pvpn::firewall {
namespace {

// A memory file: stdin is written before the start and stdout/stderr read
// after the end, so no pipe can fill up and block either side.
class MemFile {
public:
    explicit MemFile(char const* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {}
    ~MemFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    MemFile(MemFile const&) = delete;
    MemFile& operator=(MemFile const&) = delete;

    int fd() const { return fd_; }

    bool write_all(std::string_view data) {
        while (!data.empty()) {
            auto n = ::write(fd_, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return ::lseek(fd_, 0, SEEK_SET) == 0;
    }

    std::string read_all() const {
        std::string out;
        char buf[4096];
        off_t at = 0;
        for (;;) {
            auto n = ::pread(fd_, buf, sizeof buf, at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return out;
            out.append(buf, static_cast<std::size_t>(n));
            at += n;
        }
    }

private:
    int fd_;
};

Error start_failed(std::string const& tool, int err) {
    return fail(Errc::internal, "cannot run " + tool + ": " + std::strerror(err));
}

} // namespace

Result<ProcessResult> run_process(std::vector<std::string> const& argv, std::string_view input) {
    if (argv.empty()) return fail(Errc::internal, "run_process: no program given");
    MemFile in("pvpn-stdin"), out("pvpn-stdout"), err("pvpn-stderr");
    if (in.fd() < 0 || out.fd() < 0 || err.fd() < 0) return start_failed(argv[0], errno);
    if (!in.write_all(input)) return start_failed(argv[0], errno);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fd(), 0);
    posix_spawn_file_actions_adddup2(&actions, out.fd(), 1);
    posix_spawn_file_actions_adddup2(&actions, err.fd(), 2);
    std::vector<char*> args;
    for (auto const& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return start_failed(argv[0], rc);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return start_failed(argv[0], errno);
    }
    ProcessResult result;
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = out.read_all();
    result.err = err.read_all();
    return result;
}

} // namespace pvpn::firewall
