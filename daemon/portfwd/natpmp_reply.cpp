#include "daemon/portfwd/natpmp_reply.hpp"

#include "common/log.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace pvpn::portfwd {
namespace {

constexpr std::size_t error_reply_size = 8;      // version, opcode, result, epoch
constexpr std::size_t address_reply_size = 12;   // ... and the IPv4 address
constexpr std::uint8_t reply_bit = 128;           // a reply's opcode is the request's + 128

std::string result_name(unsigned code) {
    switch (code) {
    case 1: return "unsupported version";
    case 2: return "not authorized";
    case 3: return "network failure";
    case 4: return "out of resources";
    case 5: return "unsupported opcode";
    }
    return "unknown result";
}

/// What libnatpmp's rc says when the reply's result field does not: it also
/// reports a reply with a version other than 0 or an opcode it does not know.
std::string rc_name(int rc) {
    if (rc == NATPMP_ERR_UNSUPPORTEDVERSION) return "unsupported version";
    if (rc == NATPMP_ERR_UNSUPPORTEDOPCODE) return "unsupported opcode";
    return "unknown result";
}

} // namespace

bool complete_natpmp_reply(ByteView datagram, std::size_t size) {
    if (size < error_reply_size || datagram.size() < error_reply_size) return false;
    auto const version = datagram[0];
    auto const opcode = datagram[1];
    bool const result_ok = datagram[2] == 0 && datagram[3] == 0;
    // libnatpmp reads only the first 8 bytes of a reply it refuses.
    if (version != 0 || opcode < reply_bit || opcode > reply_bit + NATPMP_PROTOCOL_TCP || !result_ok) return true;
    return size >= (opcode == reply_bit ? address_reply_size : natpmp_max_reply);
}

int read_natpmp_reply(natpmp_t& handle, natpmpresp_t& reply) {
    std::array<std::uint8_t, natpmp_max_reply> head{};
    auto const n = ::recv(handle.s, head.data(), head.size(), MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    // The peek takes a pending socket error (ICMP port unreachable) off the
    // socket, so it answers for it as libnatpmp would have.
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return errno == ECONNREFUSED ? NATPMP_ERR_NOGATEWAYSUPPORT : NATPMP_ERR_RECVFROM;
    if (n >= 0) {
        auto const size = static_cast<std::size_t>(n);
        if (!complete_natpmp_reply(ByteView(head.data(), std::min(size, head.size())), size)) {
            int const saved = errno;
            ::recv(handle.s, head.data(), head.size(), MSG_DONTWAIT);
            errno = saved;
            log::warn("portfwd", "ignored a truncated NAT-PMP reply (", size, " bytes)");
            return NATPMP_TRYAGAIN;
        }
    }
    return readnatpmpresponseorretry(&handle, &reply);
}

int natpmp_opcode(Protocol protocol) {
    return protocol == Protocol::udp ? NATPMP_PROTOCOL_UDP : NATPMP_PROTOCOL_TCP;
}

MapError natpmp_failure(int rc, int err, natpmpresp_t const& reply, std::string_view where) {
    std::string const at(where);
    switch (rc) {
    case NATPMP_ERR_NOGATEWAYSUPPORT:
        if (err == ECONNREFUSED) return {MapFailure::refused, "the server refuses NAT-PMP (" + at + " is closed)"};
        return {MapFailure::no_answer, "no answer from " + at};
    case NATPMP_ERR_SENDERR:
        if (err == ECONNREFUSED) return {MapFailure::refused, "the server refuses NAT-PMP (" + at + " is closed)"};
        return {MapFailure::local, "cannot send to " + at + ": " + std::strerror(err)};
    case NATPMP_ERR_RECVFROM:
        return {MapFailure::local, "cannot read from " + at + ": " + std::strerror(err)};
    case NATPMP_ERR_NOTAUTHORIZED:
        return {MapFailure::not_authorized, "the gateway answered \"not authorized\" (result 2)"};
    case NATPMP_ERR_UNSUPPORTEDVERSION:
    case NATPMP_ERR_UNSUPPORTEDOPCODE:
    case NATPMP_ERR_NETWORKFAILURE:
    case NATPMP_ERR_OUTOFRESOURCES:
    case NATPMP_ERR_UNDEFINEDERROR: {
        auto const name = reply.resultcode != 0 ? result_name(reply.resultcode) : rc_name(rc);
        return {MapFailure::gateway_error,
                "the gateway answered \"" + name + "\" (result " + std::to_string(reply.resultcode) + ")"};
    }
    }
    return {MapFailure::local, "libnatpmp error " + std::to_string(rc)};
}

std::optional<MapResult<natpmpresp_t>> judge_natpmp_read(int rc, int err, natpmpresp_t const& reply, int op,
                                                         std::string_view where) {
    if (rc == NATPMP_TRYAGAIN) return std::nullopt;
    if (rc != 0) return MapResult<natpmpresp_t>(natpmp_failure(rc, err, reply, where));
    if (reply.type != op)
        return MapResult<natpmpresp_t>(MapError{MapFailure::gateway_error, "the gateway answered opcode " +
                                                                               std::to_string(reply.type) +
                                                                               " to opcode " + std::to_string(op)});
    return MapResult<natpmpresp_t>(reply);
}

MapResult<Mapping> mapping_of(natpmpresp_t const& reply, Protocol protocol, std::chrono::seconds requested,
                              std::string_view gateway) {
    auto const& granted = reply.pnu.newportmapping;
    Mapping m;
    m.public_port = granted.mappedpublicport;
    m.private_port = granted.privateport ? granted.privateport : m.public_port;
    m.lifetime = std::chrono::seconds(granted.lifetime);
    m.epoch = reply.epoch;
    if (m.public_port == 0 && requested.count() > 0)
        return MapError{MapFailure::gateway_error, "the gateway " + std::string(gateway) + " mapped " +
                                                       std::string(protocol_name(protocol)) + " port 0"};
    return m;
}

PublicAddress public_address_of(natpmpresp_t const& reply) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reply.pnu.publicaddress.addr, text, sizeof text);
    return PublicAddress{text, reply.epoch};
}

} // namespace pvpn::portfwd
