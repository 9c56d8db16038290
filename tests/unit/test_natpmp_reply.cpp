#include "daemon/portfwd/natpmp_reply.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <vector>

using namespace pvpn;
using namespace pvpn::portfwd;

namespace {

using Datagram = std::vector<std::uint8_t>;

/// Replies as the lab's NAT-PMP gateway sends them (RFC 6886 §3.2, §3.3).
Datagram mapping_reply(std::uint8_t op, std::uint16_t result, std::uint16_t internal, std::uint16_t external,
                       std::uint32_t lifetime) {
    return {0, static_cast<std::uint8_t>(128 + op), static_cast<std::uint8_t>(result >> 8),
            static_cast<std::uint8_t>(result), 0, 0, 0, 42, static_cast<std::uint8_t>(internal >> 8),
            static_cast<std::uint8_t>(internal), static_cast<std::uint8_t>(external >> 8),
            static_cast<std::uint8_t>(external), static_cast<std::uint8_t>(lifetime >> 24),
            static_cast<std::uint8_t>(lifetime >> 16), static_cast<std::uint8_t>(lifetime >> 8),
            static_cast<std::uint8_t>(lifetime)};
}

bool complete(Datagram const& d) { return complete_natpmp_reply(ByteView(d.data(), d.size()), d.size()); }

/// A non-blocking UDP socket on loopback standing in for the mapper's, and a
/// "gateway" socket that sends to it.
struct Loopback {
    int mapper = -1;
    int gateway = -1;
    sockaddr_in to{};

    Loopback() {
        mapper = bound(to);
        sockaddr_in from{};
        gateway = bound(from);
    }
    ~Loopback() {
        ::close(mapper);
        ::close(gateway);
    }
    static int bound(sockaddr_in& address) {
        int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr const*>(&address), sizeof address) == 0);
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        return fd;
    }
    void send(Datagram const& d) const {
        REQUIRE(::sendto(gateway, d.data(), d.size(), 0, reinterpret_cast<sockaddr const*>(&to), sizeof to) ==
                static_cast<ssize_t>(d.size()));
        pollfd arrived{mapper, POLLIN, 0};
        REQUIRE(::poll(&arrived, 1, 1000) == 1);
    }
    /// A handle as NatpmpMapper holds it, waiting for the answer to a request.
    natpmp_t handle() const {
        natpmp_t h{};
        h.s = mapper;
        h.gateway = htonl(INADDR_LOOPBACK);
        h.has_pending_request = 1;
        h.retry_time.tv_sec = LONG_MAX;  // no retransmission in the test
        return h;
    }
};

} // namespace

TEST_CASE("a NAT-PMP reply is complete only with every byte its kind needs", "[natpmp]") {
    auto udp = mapping_reply(1, 0, 45111, 45111, 60);
    CHECK(complete(udp));
    CHECK_FALSE(complete(Datagram(udp.begin(), udp.begin() + 12)));
    CHECK_FALSE(complete(Datagram(udp.begin(), udp.begin() + 2)));
    CHECK_FALSE(complete(Datagram{}));

    Datagram address{0, 128, 0, 0, 0, 0, 0, 9, 198, 51, 100, 111};
    CHECK(complete(address));
    CHECK_FALSE(complete(Datagram(address.begin(), address.begin() + 8)));

    // Refusals carry only version, opcode, result and epoch.
    auto refused = mapping_reply(2, 2, 0, 0, 0);
    CHECK(complete(Datagram(refused.begin(), refused.begin() + 8)));
    CHECK(complete(Datagram{1, 129, 0, 1, 0, 0, 0, 0}));
    CHECK(complete(Datagram{0, 133, 0, 5, 0, 0, 0, 0}));
    CHECK_FALSE(complete(Datagram{0, 129, 0, 2, 0, 0, 0}));
}

TEST_CASE("a truncated reply is dropped before libnatpmp decodes it", "[natpmp]") {
    // libnatpmp reads a 2-byte success reply from a 16-byte stack buffer: the
    // missing 14 bytes would become the port and lifetime.
    Loopback lo;
    auto h = lo.handle();
    natpmpresp_t reply{};
    lo.send(Datagram{0, 130});
    CHECK(read_natpmp_reply(h, reply) == NATPMP_TRYAGAIN);
    CHECK_FALSE(judge_natpmp_read(NATPMP_TRYAGAIN, 0, reply, 2, "10.2.0.1:5351").has_value());

    // The short datagram is gone: the next, whole reply is the one read.
    lo.send(mapping_reply(2, 0, 45111, 45111, 60));
    REQUIRE(read_natpmp_reply(h, reply) == 0);
    auto judged = judge_natpmp_read(0, 0, reply, 2, "10.2.0.1:5351");
    REQUIRE(judged.has_value());
    REQUIRE(judged->has_value());
    auto mapping = mapping_of(**judged, Protocol::tcp, std::chrono::seconds(60), "10.2.0.1");
    REQUIRE(mapping.has_value());
    CHECK(mapping->public_port == 45111);
    CHECK(mapping->lifetime == std::chrono::seconds(60));
    CHECK(mapping->epoch == 42);
}

TEST_CASE("the gateway's refusals and odd answers are named for the user", "[natpmp]") {
    Loopback lo;
    auto h = lo.handle();
    natpmpresp_t reply{};

    lo.send(mapping_reply(1, 2, 0, 0, 0));
    int rc = read_natpmp_reply(h, reply);
    auto judged = judge_natpmp_read(rc, 0, reply, 1, "10.2.0.1:5351");
    REQUIRE(judged.has_value());
    REQUIRE_FALSE(judged->has_value());
    CHECK(judged->error().kind == MapFailure::not_authorized);

    // A reply with version 1 has result 0 in it: libnatpmp's code says what is wrong.
    h = lo.handle();
    lo.send(Datagram{1, 129, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    rc = read_natpmp_reply(h, reply);
    CHECK(rc == NATPMP_ERR_UNSUPPORTEDVERSION);
    judged = judge_natpmp_read(rc, 0, reply, 1, "10.2.0.1:5351");
    REQUIRE(judged.has_value());
    REQUIRE_FALSE(judged->has_value());
    CHECK(judged->error().kind == MapFailure::gateway_error);
    CHECK(judged->error().message == "the gateway answered \"unsupported version\" (result 0)");

    // An answer to another opcode is not taken for the mapping asked for.
    h = lo.handle();
    lo.send(mapping_reply(1, 0, 45111, 45111, 60));
    rc = read_natpmp_reply(h, reply);
    judged = judge_natpmp_read(rc, 0, reply, 2, "10.2.0.1:5351");
    REQUIRE(judged.has_value());
    REQUIRE_FALSE(judged->has_value());
    CHECK(judged->error().message == "the gateway answered opcode 1 to opcode 2");
}

TEST_CASE("a mapping reply becomes a Mapping", "[natpmp]") {
    natpmpresp_t reply{};
    reply.type = 1;
    reply.epoch = 7;
    reply.pnu.newportmapping.privateport = 0;
    reply.pnu.newportmapping.mappedpublicport = 40000;
    reply.pnu.newportmapping.lifetime = 60;
    auto m = mapping_of(reply, Protocol::udp, std::chrono::seconds(60), "10.2.0.1");
    REQUIRE(m.has_value());
    CHECK(m->private_port == 40000);  // private 0 means "the same as public"

    reply.pnu.newportmapping.mappedpublicport = 0;
    auto zero = mapping_of(reply, Protocol::udp, std::chrono::seconds(60), "10.2.0.1");
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error().message == "the gateway 10.2.0.1 mapped udp port 0");
    CHECK(mapping_of(reply, Protocol::udp, std::chrono::seconds(0), "10.2.0.1").has_value());  // a deletion

    natpmpresp_t address{};
    address.epoch = 3;
    address.pnu.publicaddress.addr.s_addr = htonl(0xC6336470);
    CHECK(public_address_of(address).address == "198.51.100.112");
}
