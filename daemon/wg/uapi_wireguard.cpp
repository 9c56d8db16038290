#include "daemon/wg/uapi_wireguard.hpp"

// GCC 12 reports a false -Wmismatched-new-delete on asio coroutine frames at
// -O2 (GCC bug 109224, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "common/bytes.hpp"
#include "common/log.hpp"
#include "daemon/wg/uapi_protocol.hpp"
#include "daemon/wg/wg_process.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/redirect_error.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pvpn::wg {
namespace asio = boost::asio;

namespace {

constexpr std::size_t max_reply = 1 << 20;
constexpr auto poll_interval = std::chrono::milliseconds(10);

/// A socket descriptor closed on every path.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd const&) = delete;
    Fd& operator=(Fd const&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

/// Connects to a Unix stream socket; -1 with errno set on failure.
int connect_unix(std::filesystem::path const& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto const text = path.string();
    if (text.size() >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

/// Waits up to `timeout` for `pid` to end; true if it did.
asio::awaitable<bool> wait_ended(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!process_ended(pid)) {
        if (std::chrono::steady_clock::now() >= deadline) co_return false;
        co_await sleep_for(poll_interval);
    }
    co_return true;
}

} // namespace

UapiWireGuard::UapiWireGuard(net::Netlink& netlink, UapiOptions options)
    : netlink_(netlink), options_(std::move(options)) {}

std::filesystem::path UapiWireGuard::socket_path(std::string const& ifname) const {
    return options_.socket_dir / (ifname + ".sock");
}

bool UapiWireGuard::socket_answers(std::string const& ifname) const {
    int fd = connect_unix(socket_path(ifname));
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

asio::awaitable<Result<Device>> UapiWireGuard::create(std::string ifname) {
    auto exists = netlink_.link_exists(ifname);
    if (!exists) co_return exists.error();
    if (*exists) co_return fail(Errc::tunnel_failed, "cannot create " + ifname + ": a link with that name exists");
    if (socket_answers(ifname))
        co_return fail(Errc::tunnel_failed, "cannot create " + ifname + ": a wireguard-go already serves " +
                                                socket_path(ifname).string());

    SpawnOptions spawn{options_.binary, options_.log_file, options_.log_level};
    auto pid = spawn_wireguard_go(spawn, ifname);
    if (!pid) co_return pid.error();
    log::info("wg", "started wireguard-go for ", ifname, " (pid ", *pid, ")");

    auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    for (;;) {
        if (socket_answers(ifname)) co_return Device{ifname, *pid};
        if (auto reason = child_exit_reason(*pid); !reason.empty()) {
            std::string where = options_.log_file.empty() ? std::string() : " (see " + options_.log_file.string() + ")";
            co_return fail(Errc::tunnel_failed, "wireguard-go for " + ifname + " ended with " + reason +
                                                    " before opening its socket" + where);
        }
        if (std::chrono::steady_clock::now() >= deadline) break;
        co_await sleep_for(poll_interval);
    }
    // It never answered: do not leave it (or its TUN) behind.
    ::kill(*pid, SIGKILL);
    co_await wait_ended(*pid, options_.stop_timeout);
    (void)netlink_.delete_link(ifname);
    co_return fail(Errc::tunnel_failed, "wireguard-go for " + ifname + " did not open " +
                                            socket_path(ifname).string() + " within " +
                                            std::to_string(options_.start_timeout.count()) + " ms");
}

Result<std::string> UapiWireGuard::exchange(std::string const& ifname, std::string_view request) {
    auto path = socket_path(ifname);
    Fd fd(connect_unix(path));
    if (fd.get() < 0)
        return fail(Errc::tunnel_failed, "cannot reach wireguard-go for " + ifname + " at " + path.string() + ": " +
                                             std::strerror(errno));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(options_.io_timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>(options_.io_timeout.count() % 1000 * 1000);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return fail(Errc::tunnel_failed, "cannot write to wireguard-go for " + ifname + ": " + std::strerror(errno));
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buf[4096];
    while (!uapi_reply_complete(reply)) {
        ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return fail(Errc::tunnel_failed, "no answer from wireguard-go for " + ifname + ": " + std::strerror(errno));
        if (n == 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
        if (reply.size() > max_reply) return fail(Errc::tunnel_failed, "wireguard-go for " + ifname + " sent too much");
    }
    return reply;
}

Result<void> UapiWireGuard::configure(std::string const& ifname, DeviceConfig const& config) {
    auto request = render_uapi_set(config);
    if (!request) return request.error();
    auto reply = exchange(ifname, *request);
    wipe(*request);
    if (!reply) return reply.error();
    auto ok = parse_uapi_set_reply(*reply);
    if (!ok) return fail(Errc::tunnel_failed, "configure " + ifname + ": " + ok.error().message);
    return {};
}

Result<DeviceStatus> UapiWireGuard::status(std::string const& ifname) {
    auto reply = exchange(ifname, uapi_get_request());
    if (!reply) return reply.error();
    auto status = parse_uapi_get_reply(*reply);
    wipe(*reply);  // it held the private key
    return status;
}

Result<std::optional<Device>> UapiWireGuard::find(std::string const& ifname) {
    if (!socket_answers(ifname)) return std::optional<Device>{};
    auto pid = find_wireguard_go(ifname);
    return std::optional<Device>{Device{ifname, pid ? std::optional<int>(*pid) : std::nullopt}};
}

asio::awaitable<Result<void>> UapiWireGuard::destroy(Device device) {
    auto deleted = netlink_.delete_link(device.ifname);
    if (!deleted) co_return fail(Errc::tunnel_failed, deleted.error().message);

    // The recorded pid counts if it is our child, or (after a crash) still
    // wireguard-go for this device and not a recycled pid.
    std::optional<pid_t> pid;
    if (device.pid && (is_child(*device.pid) || is_wireguard_go(*device.pid, device.ifname))) pid = *device.pid;
    if (!pid) pid = find_wireguard_go(device.ifname);
    if (pid) {
        if (!co_await wait_ended(*pid, options_.stop_timeout)) {
            log::warn("wg", "wireguard-go for ", device.ifname, " (pid ", *pid, ") still runs; sending SIGTERM");
            ::kill(*pid, SIGTERM);
            if (!co_await wait_ended(*pid, options_.stop_timeout)) {
                ::kill(*pid, SIGKILL);
                if (!co_await wait_ended(*pid, options_.stop_timeout))
                    co_return fail(Errc::tunnel_failed, "wireguard-go for " + device.ifname + " (pid " +
                                                            std::to_string(*pid) + ") does not end");
            }
        }
    }
    // A killed wireguard-go leaves its socket file; nothing answers on it.
    if (!socket_answers(device.ifname)) {
        std::error_code ec;
        std::filesystem::remove(socket_path(device.ifname), ec);
    }
    co_return Result<void>{};
}

} // namespace pvpn::wg
