#include "daemon/portfwd/natpmp_mapper.hpp"

#include "common/log.hpp"
#include "daemon/portfwd/natpmp_reply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <natpmp.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pvpn::portfwd {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// libnatpmp's handle with our socket in it; closed when the request ends.
struct Handle {
    natpmp_t h{};
    bool open = false;
    Handle() = default;
    Handle(Handle const&) = delete;
    Handle& operator=(Handle const&) = delete;
    ~Handle() {
        if (open) closenatpmp(&h);
    }
};

class NatpmpMapper final : public PortMapper {
public:
    NatpmpMapper(asio::any_io_executor executor, NatpmpOptions options, in_addr gateway, in_addr local)
        : executor_(std::move(executor)), options_(std::move(options)), gateway_(gateway), local_(local) {}

    asio::awaitable<MapResult<Mapping>> map(Protocol protocol, std::chrono::seconds lifetime) override {
        int const op = natpmp_opcode(protocol);
        auto const life = static_cast<std::uint32_t>(lifetime.count());
        auto reply = co_await exchange(op, life);
        if (!reply) co_return reply.error();
        co_return mapping_of(*reply, protocol, lifetime, options_.gateway);
    }

    asio::awaitable<MapResult<PublicAddress>> public_address() override {
        int const op = 0;
        std::uint32_t const life = 0;
        auto reply = co_await exchange(op, life);
        if (!reply) co_return reply.error();
        co_return public_address_of(*reply);
    }

    void cancel() override {
        cancelled_ = true;
        for (auto* request : in_flight_) {
            request->timer.cancel();
            request->descriptor.cancel();
        }
    }

private:
    /// A request under way: what cancel() must wake.
    struct InFlight {
        asio::posix::stream_descriptor& descriptor;
        asio::steady_timer& timer;
    };

    MapError cancelled() const { return {MapFailure::cancelled, "NAT-PMP request cancelled"}; }

    std::string where() const { return options_.gateway + ":" + std::to_string(NATPMP_PORT); }

    /// Replaces libnatpmp's socket (`target`) with one that can only use the
    /// tunnel: bound to its device and address, connected to the gateway.
    MapResult<void> bind_to_tunnel(int target) {
        int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return MapError{MapFailure::local, std::string("cannot open a UDP socket: ") + std::strerror(errno)};
        struct Close {
            int fd;
            ~Close() { ::close(fd); }
        } close_fd{fd};
        auto const& dev = options_.interface;
        if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev.data(), static_cast<socklen_t>(dev.size())) != 0)
            return MapError{MapFailure::local, "cannot bind the NAT-PMP socket to the tunnel interface " + dev + ": " +
                                                   std::strerror(errno)};
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr = local_;
        if (::bind(fd, reinterpret_cast<sockaddr const*>(&local), sizeof local) != 0)
            return MapError{MapFailure::local, "cannot bind the NAT-PMP socket to the tunnel address " +
                                                   options_.local_address + ": " + std::strerror(errno)};
        sockaddr_in gw{};
        gw.sin_family = AF_INET;
        gw.sin_port = htons(NATPMP_PORT);
        gw.sin_addr = gateway_;
        if (::connect(fd, reinterpret_cast<sockaddr const*>(&gw), sizeof gw) != 0)
            return MapError{MapFailure::local, "cannot reach the NAT-PMP gateway " + where() + " through " + dev +
                                                   ": " + std::strerror(errno)};
        if (::dup3(fd, target, O_CLOEXEC) < 0)
            return MapError{MapFailure::local, std::string("cannot install the NAT-PMP socket: ") + std::strerror(errno)};
        return {};
    }

    /// Sends one request (opcode 0, or a mapping with `lifetime`) and waits
    /// for its reply, letting libnatpmp retransmit until the deadline. Each
    /// request has its own socket, so several may run at once.
    asio::awaitable<MapResult<natpmpresp_t>> exchange(int op, std::uint32_t lifetime) {
        if (cancelled_) co_return cancelled();

        in_addr_t const gateway = gateway_.s_addr;
        Handle handle;
        // Connects libnatpmp's socket by the routing table; nothing is sent
        // before bind_to_tunnel() replaced it.
        int rc = initnatpmp(&handle.h, 1, gateway);
        handle.open = handle.h.s >= 0;
        if (rc < 0)
            co_return MapError{MapFailure::local,
                               "cannot open the NAT-PMP socket to " + where() + " (libnatpmp error " +
                                   std::to_string(rc) + ": " + std::strerror(errno) + ")"};
        if (auto b = bind_to_tunnel(handle.h.s); !b) co_return b.error();

        asio::posix::stream_descriptor descriptor(executor_, handle.h.s);
        asio::steady_timer timer(executor_);
        InFlight request{descriptor, timer};
        in_flight_.push_back(&request);
        struct Release {
            InFlight* request;
            std::vector<InFlight*>& in_flight;
            ~Release() {
                in_flight.erase(std::find(in_flight.begin(), in_flight.end(), request));
                request->descriptor.release();  // libnatpmp closes the socket
            }
        } release{&request, in_flight_};

        errno = 0;
        rc = op == 0 ? sendpublicaddressrequest(&handle.h)
                     : sendnewportmappingrequest(&handle.h, op, 0, 0, lifetime);
        if (rc < 0) {
            natpmpresp_t none{};
            co_return natpmp_failure(NATPMP_ERR_SENDERR, errno, none, where());
        }
        auto const deadline = std::chrono::steady_clock::now() + options_.timeout;
        for (;;) {
            natpmpresp_t reply{};
            errno = 0;
            rc = read_natpmp_reply(handle.h, reply);
            int const err = errno;
            if (auto done = judge_natpmp_read(rc, err, reply, op, where())) co_return std::move(*done);
            auto const now = std::chrono::steady_clock::now();
            if (now >= deadline)
                co_return MapError{MapFailure::no_answer,
                                   "no answer from " + where() + " within " +
                                       std::to_string(options_.timeout.count() / 1000) + " s"};
            timeval tv{};
            std::chrono::steady_clock::duration wait = 10ms;
            if (getnatpmprequesttimeout(&handle.h, &tv) == 0)
                wait = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
            wait = std::clamp<std::chrono::steady_clock::duration>(wait, 1ms, deadline - now);
            timer.expires_after(wait);
            co_await (descriptor.async_wait(asio::posix::descriptor_base::wait_read, use_tuple) ||
                      timer.async_wait(use_tuple));
            if (cancelled_) co_return cancelled();
        }
    }

    asio::any_io_executor executor_;
    NatpmpOptions options_;
    in_addr gateway_;
    in_addr local_;
    std::vector<InFlight*> in_flight_;
    bool cancelled_ = false;
};

} // namespace

Result<std::unique_ptr<PortMapper>> make_natpmp_mapper(asio::any_io_executor executor, NatpmpOptions options) {
    in_addr gateway{}, local{};
    if (::inet_pton(AF_INET, options.gateway.c_str(), &gateway) != 1)
        return fail(Errc::invalid_params, "bad NAT-PMP gateway address '" + options.gateway + "'");
    if (::inet_pton(AF_INET, options.local_address.c_str(), &local) != 1)
        return fail(Errc::invalid_params, "bad tunnel address '" + options.local_address + "'");
    if (options.interface.empty() || options.interface.size() >= IFNAMSIZ)
        return fail(Errc::invalid_params, "bad tunnel interface name '" + options.interface + "'");
    return std::unique_ptr<PortMapper>(new NatpmpMapper(std::move(executor), std::move(options), gateway, local));
}

} // namespace pvpn::portfwd
