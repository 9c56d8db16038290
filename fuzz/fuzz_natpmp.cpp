// A NAT-PMP gateway's reply datagram, read the way NatpmpMapper reads it
// (daemon/portfwd/natpmp_reply): the datagram really travels over a loopback
// UDP socket into libnatpmp, then the mapper's judgement of what came back.
// Input: one byte choosing the request (public address, UDP or TCP
// mapping), then the datagram.
#include "common/log.hpp"
#include "daemon/portfwd/natpmp_reply.hpp"
#include "fuzz/check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <climits>

using namespace pvpn;
using namespace pvpn::portfwd;

namespace {

/// The mapper's socket (bound on loopback) and the "gateway" sending to it.
struct Loopback {
    int mapper = -1;
    int gateway = -1;
    sockaddr_in mapper_address{};
};

int bound_udp_socket(sockaddr_in& address) {
    // Non-blocking, like the mapper's own socket.
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr const*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

Loopback open_loopback() {
    Loopback l;
    sockaddr_in gateway_address{};
    l.mapper = bound_udp_socket(l.mapper_address);
    l.gateway = bound_udp_socket(gateway_address);
    if (l.mapper < 0 || l.gateway < 0) {
        std::perror("fuzz_natpmp: loopback UDP sockets");
        std::abort();
    }
    return l;
}

void drain(int fd) {
    char sink[64];
    while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) >= 0) {
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::init(log::Options{.file = {}, .verbose = false, .to_stderr = false, .journal_prefix = false});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    static Loopback const loopback = open_loopback();
    if (size == 0 || size > 1024) return 0;
    int const op = data[0] % 3;  // 0: public address, 1: UDP, 2: TCP
    auto const protocol = op == NATPMP_PROTOCOL_UDP ? Protocol::udp : Protocol::tcp;
    std::size_t const datagram_size = size - 1;

    auto const& to = loopback.mapper_address;
    if (::sendto(loopback.gateway, data + 1, datagram_size, 0, reinterpret_cast<sockaddr const*>(&to), sizeof to) !=
        static_cast<ssize_t>(datagram_size))
        return 0;
    pollfd arrived{loopback.mapper, POLLIN, 0};
    if (::poll(&arrived, 1, 1000) != 1) return 0;

    natpmp_t handle{};
    handle.s = loopback.mapper;
    handle.gateway = htonl(INADDR_LOOPBACK);
    handle.has_pending_request = 1;
    handle.retry_time.tv_sec = LONG_MAX;  // no retransmission: there is no real gateway
    natpmpresp_t reply{};
    errno = 0;
    int const rc = read_natpmp_reply(handle, reply);
    int const err = errno;
    drain(loopback.mapper);

    auto judged = judge_natpmp_read(rc, err, reply, op, "10.2.0.1:5351");
    if (!judged || !*judged) return 0;
    // A reply accepted as an answer was whole.
    PVPN_FUZZ_CHECK(datagram_size >= (op == 0 ? 12u : 16u));
    if (op == 0)
        (void)public_address_of(**judged);
    else
        (void)mapping_of(**judged, protocol, std::chrono::seconds(60), "10.2.0.1");
    return 0;
}
