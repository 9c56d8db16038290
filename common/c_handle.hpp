// RAII for handles from C libraries: one deleter template and one alias per
// handle type. It frees memory and closes handles only; it never undoes
// kernel policy (no route, rule or link is removed by a destructor).
//
// `release()` hands ownership on, as systemd's TAKE_PTR does.
#pragma once

#include <memory>

struct nl_sock;
struct nl_msg;
struct nl_cache;
struct nl_addr;
struct nl_cb;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;
struct rtnl_nexthop;
struct sd_bus;
struct sd_bus_message;

extern "C" {
void nl_socket_free(nl_sock*);
void nlmsg_free(nl_msg*);
void nl_cache_free(nl_cache*);
void nl_addr_put(nl_addr*);
void nl_cb_put(nl_cb*);
void rtnl_link_put(rtnl_link*);
void rtnl_addr_put(rtnl_addr*);
void rtnl_route_put(rtnl_route*);
sd_bus* sd_bus_flush_close_unref(sd_bus*);
sd_bus_message* sd_bus_message_unref(sd_bus_message*);
}

namespace pvpn {

/// Calls F on a non-null pointer; usable as a unique_ptr deleter.
template <auto F>
struct c_deleter {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p) F(p);
    }
};

template <class T, auto F>
using c_handle = std::unique_ptr<T, c_deleter<F>>;

using NlSock = c_handle<nl_sock, nl_socket_free>;
using NlMsg = c_handle<nl_msg, nlmsg_free>;
using NlCache = c_handle<nl_cache, nl_cache_free>;
using NlAddr = c_handle<nl_addr, nl_addr_put>;
using NlCb = c_handle<nl_cb, nl_cb_put>;
using RtnlLink = c_handle<rtnl_link, rtnl_link_put>;
using RtnlAddr = c_handle<rtnl_addr, rtnl_addr_put>;
using RtnlRoute = c_handle<rtnl_route, rtnl_route_put>;
using SdBus = c_handle<sd_bus, sd_bus_flush_close_unref>;
using SdBusMessage = c_handle<sd_bus_message, sd_bus_message_unref>;

} // namespace pvpn
