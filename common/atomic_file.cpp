#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace pvpn {
namespace {

namespace fs = std::filesystem;

Error sys_error(std::string_view what, fs::path const& path, int err) {
    return fail(Errc::internal, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

/// Closes a descriptor when it goes out of scope (release() keeps it open).
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd const&) = delete;
    Fd& operator=(Fd const&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

/// ".config.ini.tmp-<16 hex digits>" next to the target. The name only has
/// to be unlikely: O_EXCL makes a collision a retry, never an overwrite.
fs::path temp_name(fs::path const& path) {
    static unsigned counter = 0;
    std::uint64_t bits = 0;
    if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits))
        bits = (static_cast<std::uint64_t>(::getpid()) << 32) ^ ++counter;
    static char const hex[] = "0123456789abcdef";
    std::string suffix;
    for (int shift = 60; shift >= 0; shift -= 4) suffix += hex[(bits >> shift) & 15];
    return path.parent_path() / ("." + path.filename().string() + ".tmp-" + suffix);
}

Result<void> write_all(int fd, std::string_view data, fs::path const& path) {
    while (!data.empty()) {
        auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("cannot write", path, errno);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

/// Everything after the temp file exists; the caller removes it on failure.
Result<void> fill_and_rename(int raw_fd, fs::path const& temp, fs::path const& path, std::string_view contents,
                             mode_t mode, std::optional<FileOwner> owner) {
    Fd fd(raw_fd);
    if (owner && ::fchown(fd.get(), owner->uid, owner->gid) != 0)
        return sys_error("cannot set the owner of", path, errno);
    if (::fchmod(fd.get(), mode) != 0) return sys_error("cannot set the mode of", path, errno);
    if (auto r = write_all(fd.get(), contents, path); !r) return r;
    if (::fsync(fd.get()) != 0) return sys_error("cannot sync", path, errno);
    if (::close(fd.release()) != 0) return sys_error("cannot write", path, errno);
    if (::rename(temp.c_str(), path.c_str()) != 0) return sys_error("cannot replace", path, errno);
    return {};
}

} // namespace

Result<void> write_file_atomic(fs::path const& path, std::string_view contents, mode_t mode,
                               std::optional<FileOwner> owner) {
    if (path.filename().empty()) return fail(Errc::internal, "cannot write " + path.string() + ": not a file name");
    auto dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    fs::path temp;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
        temp = temp_name(dir / path.filename());
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 && errno != EEXIST) return sys_error("cannot write", path, errno);
    }
    if (fd < 0) return sys_error("cannot write", path, EEXIST);

    if (auto r = fill_and_rename(fd, temp, path, contents, mode, owner); !r) {
        ::unlink(temp.c_str());
        return r;
    }

    // The rename is durable only once the directory entry is on disk.
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() < 0) return sys_error("cannot sync the directory of", path, errno);
    if (::fsync(dir_fd.get()) != 0) return sys_error("cannot sync the directory of", path, errno);
    return {};
}

Result<std::optional<std::string>> read_file_if_exists(fs::path const& path, std::size_t max_bytes) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<std::string>();
        return sys_error("cannot read", path, errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return sys_error("cannot read", path, errno);
    if (!S_ISREG(st.st_mode)) return fail(Errc::internal, "cannot read " + path.string() + ": not a regular file");

    std::string out;
    char buf[16384];
    for (;;) {
        auto n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("cannot read", path, errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max_bytes)
            return fail(Errc::internal,
                        "cannot read " + path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    return std::optional<std::string>(std::move(out));
}

Result<std::string> read_file(fs::path const& path, std::size_t max_bytes) {
    auto r = read_file_if_exists(path, max_bytes);
    if (!r) return r.error();
    if (!*r) return sys_error("cannot read", path, ENOENT);
    return std::move(**r);
}

namespace {

/// mkdir -p without touching directories that already exist.
Result<void> create_missing(fs::path const& path, mode_t mode) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return {};
    if (errno != ENOENT) return sys_error("cannot use directory", path, errno);
    auto parent = path.parent_path();
    if (!parent.empty() && parent != path)
        if (auto r = create_missing(parent, mode); !r) return r;
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return sys_error("cannot create", path, errno);
    return {};
}

} // namespace

Result<void> ensure_private_dir(fs::path const& path, mode_t mode) {
    if (auto r = create_missing(path, mode); !r) return r;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return sys_error("cannot use directory", path, errno);
    if (!S_ISDIR(st.st_mode)) return fail(Errc::internal, "cannot use " + path.string() + ": not a directory");
    if (st.st_uid != ::geteuid())
        return fail(Errc::internal, "cannot use " + path.string() + ": owned by uid " + std::to_string(st.st_uid) +
                                        ", not by uid " + std::to_string(::geteuid()));
    if ((st.st_mode & 07777 & ~mode) != 0 && ::chmod(path.c_str(), mode) != 0)
        return sys_error("cannot restrict the mode of", path, errno);
    return {};
}

} // namespace pvpn
