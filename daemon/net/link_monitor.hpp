// Watches the kernel for link and address changes (a cable unplugged, Wi-Fi
// roaming, DHCP giving a new address) so the health monitor can re-check the
// tunnel. Events arrive on a libnl socket subscribed to RTNLGRP_LINK,
// RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR, read on the event loop, and
// are debounced: a burst of changes gives one callback.
#pragma once

#include "common/error.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace pvpn::net {

/// What changed during one debounce window.
struct LinkEvent {
    std::set<int> ifindexes;  ///< Links whose state or addresses changed.
    /// Names the kernel gave with the changes (link messages carry one; IPv4
    /// address messages their label), by ifindex. A link deleted since has
    /// only this name left.
    std::map<int, std::string> names;
    bool overflow = false;    ///< The kernel dropped events: assume anything changed.
};

class LinkMonitor {
public:
    using Callback = std::function<void(LinkEvent const&)>;

    /// Subscribes and starts reading on `executor`; `callback` runs on it,
    /// `debounce` after the last event of a burst.
    static Result<std::unique_ptr<LinkMonitor>> start(boost::asio::any_io_executor executor,
                                                      std::chrono::milliseconds debounce, Callback callback);

    /// Stops watching; no callback runs after this.
    ~LinkMonitor();

    LinkMonitor(LinkMonitor const&) = delete;
    LinkMonitor& operator=(LinkMonitor const&) = delete;

private:
    struct State;
    explicit LinkMonitor(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
};

} // namespace pvpn::net
