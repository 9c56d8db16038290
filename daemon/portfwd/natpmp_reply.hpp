// What a NAT-PMP gateway's reply means (RFC 6886 §3), as libnatpmp reports it.
//
// libnatpmp turns a reply datagram into (return code, errno, natpmpresp_t);
// these functions turn that into what the lease loop and the user see. Only
// read_natpmp_reply() touches a socket (the one it is given); the others are
// pure. The NAT-PMP fuzz target runs them all on arbitrary datagrams.
#pragma once

#include "common/bytes.hpp"
#include "daemon/portfwd/port_mapper.hpp"

#include <natpmp.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace pvpn::portfwd {

/// The longest reply datagram (a port mapping); libnatpmp reads no more.
inline constexpr std::size_t natpmp_max_reply = 16;

/// Whether `datagram` (its first natpmp_max_reply bytes, as received) is a
/// whole reply: 8 bytes for an error result or an unknown version or opcode,
/// 12 for the public address, 16 for a mapping. libnatpmp checks no length:
/// it decodes a shorter datagram from a 16-byte stack buffer, so the missing
/// bytes would become ports and lifetimes. `size` is the datagram's real size.
bool complete_natpmp_reply(ByteView datagram, std::size_t size);

/// readnatpmpresponseorretry() on `handle`, except that a datagram that is not
/// a whole reply (complete_natpmp_reply) is read away and ignored
/// (NATPMP_TRYAGAIN) instead of being decoded. errno is set as libnatpmp sets it.
int read_natpmp_reply(natpmp_t& handle, natpmpresp_t& reply);

/// The NAT-PMP opcode of a mapping request (1 UDP, 2 TCP; 0 asks for the public address).
int natpmp_opcode(Protocol protocol);

/// The user's message for a libnatpmp failure `rc` (with its `err`no and the
/// `reply` as far as it was read) on a request to `where` ("10.2.0.1:5351").
MapError natpmp_failure(int rc, int err, natpmpresp_t const& reply, std::string_view where);

/// One read of readnatpmpresponseorretry() for a request with opcode `op`:
/// nullopt while no answer is there (NATPMP_TRYAGAIN), else the reply (which
/// answers `op`) or the error.
std::optional<MapResult<natpmpresp_t>> judge_natpmp_read(int rc, int err, natpmpresp_t const& reply, int op,
                                                         std::string_view where);

/// The mapping granted by `reply` to a request for `protocol` with
/// `requested` lifetime; gateway_error for port 0 when a mapping was wanted
/// (`gateway` names the gateway in that message).
MapResult<Mapping> mapping_of(natpmpresp_t const& reply, Protocol protocol, std::chrono::seconds requested,
                              std::string_view gateway);

/// The public address in `reply` (an opcode 0 answer).
PublicAddress public_address_of(natpmpresp_t const& reply);

} // namespace pvpn::portfwd
