#include "daemon/portfwd/port_mapper.hpp"

#include "common/error.hpp"

namespace pvpn::portfwd {

std::string_view protocol_name(Protocol protocol) { return protocol == Protocol::udp ? "udp" : "tcp"; }

void throw_exception_from_error(MapError const& e, boost::source_location const&) {
    throw ErrorException(fail(Errc::network, e.message));
}

} // namespace pvpn::portfwd
