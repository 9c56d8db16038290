#include "daemon/net/pinger.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/generic/datagram_protocol.hpp>
#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/icmp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

namespace pvpn::net {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint8_t echo_request_type = 8;
constexpr std::uint8_t echo_reply_type = 0;
constexpr std::size_t payload_size = 24;

enum class State : std::uint8_t { waiting, flying, done };

struct Probe {
    std::optional<asio::ip::address_v4> address;
    Clock::time_point sent;
    State state = State::waiting;
};

std::array<std::uint8_t, 8 + payload_size> echo_request(std::uint16_t id, std::uint16_t seq) {
    std::array<std::uint8_t, 8 + payload_size> p{};
    p[0] = echo_request_type;
    p[4] = static_cast<std::uint8_t>(id >> 8);
    p[5] = static_cast<std::uint8_t>(id & 0xff);
    p[6] = static_cast<std::uint8_t>(seq >> 8);
    p[7] = static_cast<std::uint8_t>(seq & 0xff);
    std::memcpy(p.data() + 8, "pvpn latency probe", 18);
    std::uint16_t const sum = icmp_checksum(p.data(), p.size());
    p[2] = static_cast<std::uint8_t>(sum >> 8);
    p[3] = static_cast<std::uint8_t>(sum & 0xff);
    return p;
}

/// The sequence number of an echo reply meant for us, or nullopt. Raw sockets
/// see the IP header and every ICMP packet of the host (our own requests to
/// loopback included), so the type and identifier are checked; a ping socket
/// already filters by identifier (the kernel sets it).
std::optional<std::uint16_t> reply_sequence(std::uint8_t const* data, std::size_t size, bool raw, std::uint16_t id) {
    if (raw) {
        if (size < 20 || (data[0] >> 4) != 4) return std::nullopt;
        std::size_t const ihl = static_cast<std::size_t>(data[0] & 0x0f) * 4;
        if (ihl < 20 || size < ihl + 8) return std::nullopt;
        data += ihl;
        size -= ihl;
    }
    if (size < 8 || data[0] != echo_reply_type || data[1] != 0) return std::nullopt;
    std::uint16_t const reply_id = static_cast<std::uint16_t>(data[4] << 8 | data[5]);
    if (raw && reply_id != id) return std::nullopt;
    return static_cast<std::uint16_t>(data[6] << 8 | data[7]);
}

template <class Socket>
asio::awaitable<PingResults> run(Socket& socket, bool raw, std::uint16_t id, std::vector<Probe>& probes,
                                 PingOptions const& options) {
    PingResults out;
    out.rtt.resize(probes.size());
    asio::steady_timer timer(socket.get_executor());
    std::size_t next = 0, flying = 0, finished = 0;
    std::array<std::uint8_t, 1500> buffer{};
    auto const concurrency = std::max<std::size_t>(1, options.concurrency);

    while (finished < probes.size()) {
        while (next < probes.size() && flying < concurrency) {
            Probe& p = probes[next];
            std::uint16_t const seq = static_cast<std::uint16_t>(next++);
            if (!p.address) {
                p.state = State::done;
                ++finished;
                continue;
            }
            auto packet = echo_request(id, seq);
            typename Socket::endpoint_type to(asio::ip::icmp::endpoint(*p.address, 0));
            p.sent = Clock::now();
            auto [ec, n] = co_await socket.async_send_to(asio::buffer(packet), to, use_tuple);
            if (ec) {
                p.state = State::done;  // e.g. no route: counts as no answer
                ++finished;
            } else {
                p.state = State::flying;
                ++flying;
            }
        }
        if (flying == 0) continue;

        Clock::time_point earliest = Clock::time_point::max();
        for (auto const& p : probes)
            if (p.state == State::flying) earliest = std::min(earliest, p.sent + options.timeout);
        timer.expires_at(earliest);
        typename Socket::endpoint_type from;
        auto event = co_await (socket.async_receive_from(asio::buffer(buffer), from, use_tuple) ||
                               timer.async_wait(use_tuple));
        Clock::time_point const now = Clock::now();
        if (event.index() == 0) {
            auto [ec, n] = std::get<0>(event);
            auto seq = ec ? std::nullopt : reply_sequence(buffer.data(), n, raw, id);
            if (seq && *seq < probes.size() && probes[*seq].state == State::flying &&
                from.size() >= sizeof(sockaddr_in)) {
                auto const* sin = reinterpret_cast<sockaddr_in const*>(from.data());
                Probe& p = probes[*seq];
                if (sin->sin_family == AF_INET && ntohl(sin->sin_addr.s_addr) == p.address->to_uint()) {
                    auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(now - p.sent);
                    out.rtt[*seq] = rtt;
                    p.state = State::done;
                    --flying;
                    ++finished;
                    if (options.cutoff && rtt < *options.cutoff) {
                        out.first_under = *seq;
                        co_return out;
                    }
                }
            }
        }
        for (auto& p : probes) {
            if (p.state == State::flying && p.sent + options.timeout <= now) {
                p.state = State::done;
                --flying;
                ++finished;
            }
        }
    }
    co_return out;
}

Result<void> set_mark(int fd, std::optional<std::uint32_t> mark) {
    if (!mark) return {};
    std::uint32_t value = *mark;
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &value, sizeof value) != 0)
        return fail(Errc::internal, std::string("cannot set the socket mark on the ping socket: ") + std::strerror(errno));
    return {};
}

} // namespace

std::uint16_t icmp_checksum(std::uint8_t const* data, std::size_t size) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (size % 2) sum += static_cast<std::uint32_t>(data[size - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

asio::awaitable<Result<PingResults>> ping_all(asio::any_io_executor executor, std::vector<std::string> targets,
                                             PingOptions options) {
    if (targets.size() > 65535) co_return fail(Errc::invalid_params, "at most 65535 ping targets at once");
    std::vector<Probe> probes(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        boost::system::error_code ec;
        auto address = asio::ip::make_address_v4(targets[i], ec);
        if (!ec) probes[i].address = address;
    }
    if (probes.empty()) co_return PingResults{};

    boost::system::error_code ec;
    asio::basic_datagram_socket<asio::generic::datagram_protocol> ping_socket(executor);
    ping_socket.open(asio::generic::datagram_protocol(AF_INET, IPPROTO_ICMP), ec);
    if (!ec) {
        if (auto marked = set_mark(ping_socket.native_handle(), options.socket_mark); !marked) co_return marked.error();
        co_return co_await run(ping_socket, false, 0, probes, options);
    }
    std::string const dgram_error = ec.message();
    asio::basic_raw_socket<asio::generic::raw_protocol> raw_socket(executor);
    raw_socket.open(asio::generic::raw_protocol(AF_INET, IPPROTO_ICMP), ec);
    if (ec)
        co_return fail(Errc::internal, "cannot open an ICMP socket (ping socket: " + dgram_error +
                                           "; raw socket: " + ec.message() + ")");
    if (auto marked = set_mark(raw_socket.native_handle(), options.socket_mark); !marked) co_return marked.error();
    std::random_device random;
    auto const id = static_cast<std::uint16_t>(random() & 0xffff);
    co_return co_await run(raw_socket, true, id, probes, options);
}

} // namespace pvpn::net
