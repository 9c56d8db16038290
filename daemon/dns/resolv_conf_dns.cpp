#include "daemon/dns/resolv_conf_dns.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "daemon/dns/replace_file.hpp"
#include "daemon/dns/resolv_conf.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pvpn::dns {
namespace asio = boost::asio;

namespace {
constexpr std::size_t max_resolv_conf = 1 << 20;
}

/// The inotify watch of one applied file. Shared with its pending handlers so
/// that it outlives them; `stopped` makes late handlers do nothing.
struct ResolvConfDns::Watch : std::enable_shared_from_this<ResolvConfDns::Watch> {
    Watch(asio::any_io_executor ex, std::filesystem::path p, std::string c, std::chrono::milliseconds s)
        : descriptor(ex), timer(ex), path(std::move(p)), contents(std::move(c)), settle(s) {}

    asio::posix::stream_descriptor descriptor;
    asio::steady_timer timer;
    std::filesystem::path path;     ///< The file itself (symlinks resolved)
    std::string contents;           ///< What it must hold
    std::chrono::milliseconds settle;
    int file_wd = -1;
    bool stopped = false;
    unsigned reapplied = 0;

    Result<void> start() {
        int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) return fail(Errc::internal, std::string("inotify: ") + std::strerror(errno));
        descriptor.assign(fd);
        // The directory sees the file replaced or deleted; the file's own
        // watch sees in-place writes, also through a bind mount.
        if (::inotify_add_watch(fd, path.parent_path().c_str(), IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_CLOSE_WRITE) < 0)
            return fail(Errc::internal, "cannot watch " + path.parent_path().string() + ": " + std::strerror(errno));
        watch_file();
        wait();
        return {};
    }

    void watch_file() {
        file_wd = ::inotify_add_watch(descriptor.native_handle(), path.c_str(), IN_CLOSE_WRITE | IN_MODIFY);
    }

    void wait() {
        descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                              [self = shared_from_this()](boost::system::error_code ec) {
                                  if (self->stopped || ec) return;
                                  if (self->drain()) self->schedule_check();
                                  self->wait();
                              });
    }

    /// Reads the queued events; true if one concerns the file.
    bool drain() {
        alignas(inotify_event) char buf[4096];
        bool relevant = false;
        auto const name = path.filename().string();
        for (;;) {
            ssize_t n = ::read(descriptor.native_handle(), buf, sizeof buf);
            if (n <= 0) break;
            for (ssize_t off = 0; off < n;) {
                auto const* ev = reinterpret_cast<inotify_event const*>(buf + off);
                if (ev->wd == file_wd || (ev->len > 0 && name == ev->name) || (ev->mask & IN_Q_OVERFLOW))
                    relevant = true;
                off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            }
        }
        return relevant;
    }

    void schedule_check() {
        timer.expires_after(settle);
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (self->stopped || ec) return;
            self->check();
        });
    }

    void check() {
        auto now = read_file_if_exists(path, max_resolv_conf);
        if (now && *now && **now == contents) {
            watch_file();
            return;
        }
        log::warn("dns", "something rewrote ", path.string(), " while the VPN is up; writing pvpn's DNS back");
        if (!*now) {
            // Deleted: create it again, as a plain file.
            if (auto r = write_file_atomic(path, contents, 0644); !r) log::error("dns", r.error().message);
        } else if (auto r = replace_file(path, contents); !r) {
            log::error("dns", r.error().message);
        }
        ++reapplied;
        watch_file();
    }
};

ResolvConfDns::ResolvConfDns(asio::any_io_executor executor, ResolvConfOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

ResolvConfDns::~ResolvConfDns() { stop_watch(); }

void ResolvConfDns::stop_watch() {
    if (!watch_) return;
    watch_->stopped = true;
    reapplied_before_ += watch_->reapplied;
    boost::system::error_code ignored;
    watch_->descriptor.close(ignored);
    watch_->timer.cancel();
    watch_.reset();
}

unsigned ResolvConfDns::reapplied() const { return reapplied_before_ + (watch_ ? watch_->reapplied : 0); }

Result<void> ResolvConfDns::apply(std::string const& ifname, std::vector<std::string> const& servers) {
    auto contents = render_resolv_conf(servers, options_.backup);
    if (!contents) return contents.error();
    std::error_code ec;
    auto target = std::filesystem::canonical(options_.path, ec);
    if (ec) return fail(Errc::tunnel_failed, "cannot set DNS: " + options_.path.string() + ": " + ec.message());

    // The backup is what was there before pvpn wrote: taken now unless the
    // file already holds pvpn's text (a server switch, or adoption after a
    // crash), in which case the existing backup is the original.
    auto original = read_file(target, max_resolv_conf);
    if (!original) return original.error();
    if (written_by_pvpn(*original)) {
        if (!std::filesystem::exists(options_.backup))
            return fail(Errc::tunnel_failed, target.string() + " already holds pvpn's DNS but " +
                                                 options_.backup.string() + " is missing; restore it by hand");
    } else {
        struct stat st {};
        mode_t mode = ::stat(target.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0644;
        if (auto saved = write_file_atomic(options_.backup, *original, mode); !saved) return saved.error();
    }
    stop_watch();
    auto written = replace_file(target, *contents);
    if (!written) return written.error();
    log::info("dns", "DNS for ", ifname, " set in ", target.string(),
              *written == ReplaceMethod::in_place ? " (in place)" : "");
    servers_ = servers;
    watch_ = std::make_shared<Watch>(executor_, target, *contents, options_.settle);
    if (auto started = watch_->start(); !started) {
        log::warn("dns", "DNS is set but will not be kept in place: ", started.error().message);
        stop_watch();
    }
    return {};
}

Result<void> ResolvConfDns::revert() {
    stop_watch();
    servers_.clear();
    auto backup = read_file_if_exists(options_.backup, max_resolv_conf);
    if (!backup) return backup.error();
    if (!*backup) return {};
    auto now = read_file_if_exists(options_.path, max_resolv_conf);
    if (!now) return now.error();
    if (*now && written_by_pvpn(**now)) {
        auto restored = replace_file(options_.path, **backup);
        if (!restored) return restored.error();
        log::info("dns", "restored ", options_.path.string(), " from ", options_.backup.string());
    } else if (!*now) {
        if (auto r = write_file_atomic(options_.path, **backup, 0644); !r) return r.error();
        log::info("dns", "recreated ", options_.path.string(), " from ", options_.backup.string());
    } else {
        log::warn("dns", options_.path.string(), " was replaced since pvpn wrote it; keeping it and dropping ",
                  options_.backup.string());
    }
    std::error_code ec;
    if (!std::filesystem::remove(options_.backup, ec) && ec)
        return fail(Errc::internal, "cannot remove " + options_.backup.string() + ": " + ec.message());
    return {};
}

} // namespace pvpn::dns
