#include "daemon/dns/replace_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace pvpn::dns {

namespace {

Error io_error(std::string const& what, std::filesystem::path const& path, int err) {
    return fail(Errc::internal, what + " " + path.string() + ": " + std::strerror(err));
}

/// Writes everything and fsyncs; 0 or an errno.
int write_all(int fd, std::string_view contents) {
    std::size_t done = 0;
    while (done < contents.size()) {
        ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        done += static_cast<std::size_t>(n);
    }
    return ::fsync(fd) == 0 ? 0 : errno;
}

/// Temporary file + rename; 0 or the errno of the step that failed.
int replace_by_rename(std::filesystem::path const& path, std::string_view contents, mode_t mode) {
    std::string temp = path.string() + ".pvpn-XXXXXX";
    int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return errno;
    int err = ::fchmod(fd, mode) == 0 ? write_all(fd, contents) : errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        ::unlink(temp.c_str());
        return err;
    }
    int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return 0;
}

} // namespace

Result<ReplaceMethod> replace_file(std::filesystem::path const& given, std::string_view contents) {
    std::error_code ec;
    auto path = std::filesystem::canonical(given, ec);
    if (ec) return fail(Errc::internal, "cannot resolve " + given.string() + ": " + ec.message());
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return io_error("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) return fail(Errc::internal, path.string() + " is not a regular file");

    int err = replace_by_rename(path, contents, st.st_mode & 07777);
    if (err == 0) return ReplaceMethod::renamed;
    // EBUSY: a bind mount. EROFS/EACCES/EPERM: the directory is read-only but
    // the file may not be. Anything else is a real failure.
    if (err != EBUSY && err != EROFS && err != EACCES && err != EPERM && err != EXDEV)
        return io_error("cannot replace", path, err);

    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return io_error("cannot write", path, errno);
    err = write_all(fd, contents);
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) return io_error("cannot write", path, err);
    return ReplaceMethod::in_place;
}

} // namespace pvpn::dns
