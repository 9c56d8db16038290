// NAT-PMP to the tunnel gateway with libnatpmp, driven by the event loop.
//
// libnatpmp's own socket is connected by initnatpmp() through whatever route
// the kernel picks, and a socket that has been connected is already bound, so
// binding it afterwards is too late. NatpmpMapper therefore puts its own
// socket in libnatpmp's place (dup3 over natpmp_t::s) before the first send:
// that socket is bound to the tunnel device (SO_BINDTODEVICE) and to the
// tunnel address, then connected to the gateway. A request can only leave
// through the tunnel interface; if the interface is gone, the send fails.
//
// Each request gets a fresh socket (no late reply of an earlier request can be
// mistaken for the current one). libnatpmp's retries (250 ms doubling) are
// driven from an Asio timer and its socket from a stream_descriptor: nothing
// blocks. A request gives up at its deadline, long before libnatpmp's 128 s.
#pragma once

#include "common/error.hpp"
#include "daemon/portfwd/port_mapper.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace pvpn::portfwd {

struct NatpmpOptions {
    std::string interface;               ///< The tunnel device, e.g. "wgpch".
    std::string local_address = "10.2.0.2";
    std::string gateway = "10.2.0.1";
    std::chrono::milliseconds timeout{8000};  ///< Per request, retries included.
};

/// Makes the real mapper; fails (Errc::invalid_params) on a bad address or
/// interface name. Nothing is sent until the first request.
Result<std::unique_ptr<PortMapper>> make_natpmp_mapper(boost::asio::any_io_executor executor, NatpmpOptions options);

} // namespace pvpn::portfwd
