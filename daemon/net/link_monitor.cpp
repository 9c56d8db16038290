#include "daemon/net/link_monitor.hpp"

#include "common/c_handle.hpp"
#include "common/log.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pvpn::net {
namespace asio = boost::asio;

struct LinkMonitor::State : std::enable_shared_from_this<LinkMonitor::State> {
    State(asio::any_io_executor ex, std::chrono::milliseconds delay, Callback cb)
        : descriptor(ex), timer(ex), debounce(delay), callback(std::move(cb)) {}

    NlSock sock;
    asio::posix::stream_descriptor descriptor;
    asio::steady_timer timer;
    std::chrono::milliseconds debounce;
    Callback callback;
    LinkEvent pending;
    bool stopped = false;

    void wait_readable() {
        descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                              [self = shared_from_this()](boost::system::error_code ec) {
                                  if (self->stopped || ec == asio::error::operation_aborted) return;
                                  self->drain();
                                  self->wait_readable();
                              });
    }

    /// Reads every queued message, then (re)starts the debounce timer.
    void drain() {
        bool got = false;
        for (;;) {
            int err = nl_recvmsgs_default(sock.get());
            if (err == -NLE_AGAIN) break;
            got = true;
            if (err < 0) {
                // Typically ENOBUFS: the socket overran and events were lost.
                pending.overflow = true;
                break;
            }
        }
        if (!got) return;
        timer.expires_after(debounce);
        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (self->stopped || ec == asio::error::operation_aborted) return;
            LinkEvent event = std::move(self->pending);
            self->pending = {};
            self->callback(event);
        });
    }

    /// Keeps a link's name from a message attribute (a NUL-terminated string), if there is one.
    void note_name(int index, nlattr* attr) {
        if (!attr || nla_len(attr) <= 1) return;
        pending.names[index] = std::string(static_cast<char const*>(nla_data(attr)),
                                           strnlen(static_cast<char const*>(nla_data(attr)),
                                                   static_cast<std::size_t>(nla_len(attr))));
    }

    static int on_message(nl_msg* msg, void* arg) {
        auto* state = static_cast<State*>(arg);
        nlmsghdr* hdr = nlmsg_hdr(msg);
        switch (hdr->nlmsg_type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
            if (nlmsg_datalen(hdr) >= static_cast<int>(sizeof(ifinfomsg))) {
                int index = static_cast<ifinfomsg*>(nlmsg_data(hdr))->ifi_index;
                state->pending.ifindexes.insert(index);
                state->note_name(index, nlmsg_find_attr(hdr, sizeof(ifinfomsg), IFLA_IFNAME));
            }
            break;
        case RTM_NEWADDR:
        case RTM_DELADDR:
            if (nlmsg_datalen(hdr) >= static_cast<int>(sizeof(ifaddrmsg))) {
                int index = static_cast<int>(static_cast<ifaddrmsg*>(nlmsg_data(hdr))->ifa_index);
                state->pending.ifindexes.insert(index);
                state->note_name(index, nlmsg_find_attr(hdr, sizeof(ifaddrmsg), IFA_LABEL));
            }
            break;
        default: break;
        }
        return NL_OK;
    }
};

Result<std::unique_ptr<LinkMonitor>> LinkMonitor::start(asio::any_io_executor executor,
                                                        std::chrono::milliseconds debounce, Callback callback) {
    auto state = std::make_shared<State>(executor, debounce, std::move(callback));
    state->sock.reset(nl_socket_alloc());
    if (!state->sock) return fail(Errc::internal, "link monitor: cannot allocate a netlink socket");
    nl_socket_disable_seq_check(state->sock.get());
    nl_socket_modify_cb(state->sock.get(), NL_CB_VALID, NL_CB_CUSTOM, &State::on_message, state.get());
    if (int err = nl_connect(state->sock.get(), NETLINK_ROUTE); err < 0)
        return fail(Errc::internal, std::string("link monitor: connect to rtnetlink: ") + nl_geterror(err));
    if (int err = nl_socket_add_memberships(state->sock.get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0);
        err < 0)
        return fail(Errc::internal, std::string("link monitor: subscribe: ") + nl_geterror(err));
    if (int err = nl_socket_set_nonblocking(state->sock.get()); err < 0)
        return fail(Errc::internal, std::string("link monitor: non-blocking: ") + nl_geterror(err));
    // The descriptor watches a duplicate so that it and libnl each close their own fd.
    int fd = ::fcntl(nl_socket_get_fd(state->sock.get()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return fail(Errc::internal, std::string("link monitor: dup: ") + std::strerror(errno));
    state->descriptor.assign(fd);
    state->wait_readable();
    return std::unique_ptr<LinkMonitor>(new LinkMonitor(std::move(state)));
}

LinkMonitor::~LinkMonitor() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->descriptor.cancel(ignored);
    state_->timer.cancel();
}

} // namespace pvpn::net
