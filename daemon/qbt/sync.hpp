// Keeps qBittorrent listening on the forwarded port for as long as a
// connection lasts.
//
// Whenever the port is new or changed (set_port), qBittorrent went away and
// came back (restart), its listen port drifted, or its socket is not really
// there: set listen_port (random_port and upnp off; current_network_interface
// = the tunnel when bind_interface), read the preferences back, and check the
// socket with a connect to the tunnel address. qBittorrent can claim a port
// and not listen on it (after the tunnel interface was recreated): then the
// port is bounced (port+1, then the port), which makes it listen again.
// qBittorrent is polled every few seconds (app/version, preferences, the
// socket, the active torrent count). Within a short delay after a port was
// set, if nothing is downloading, paused and stalled torrents are resumed.
// Problems (WebUI off, unreachable, wrong password) are warnings: the tunnel
// and the lease never depend on qBittorrent.
#pragma once

#include "daemon/qbt/qbittorrent.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pvpn::qbt {

struct SyncOptions {
    std::string interface;        ///< The tunnel device (for bind_interface and messages).
    bool bind_interface = false;  ///< Also set current_network_interface.
    std::chrono::milliseconds poll{5'000};
    std::chrono::milliseconds resume_after{20'000};  ///< After a port is set: resume check.
};

class QbtSync {
public:
    /// Does anything listen on this port at the tunnel address? Empty: no
    /// socket check (qBittorrent is not in this network namespace).
    using Probe = std::function<boost::asio::awaitable<bool>(std::uint16_t port)>;
    /// Receives watch.v1 events ({"type": "warning", "source": "qbittorrent", ...}).
    using Publisher = std::function<void(boost::json::object)>;

    QbtSync(boost::asio::any_io_executor executor, std::unique_ptr<Qbittorrent> api, SyncOptions options,
            Probe probe, Publisher publish);
    /// Stops (see stop()).
    ~QbtSync();
    QbtSync(QbtSync const&) = delete;
    QbtSync& operator=(QbtSync const&) = delete;

    /// Starts polling qBittorrent in the background.
    void start();

    /// Ends the loop at once (the request in progress is cancelled);
    /// qBittorrent keeps whatever was set last.
    void stop();

    /// The port qBittorrent must listen on; applied within one request's time.
    void set_port(std::uint16_t port);

    /// status.v1's "qbittorrent": {enabled, reachable, listen_port, in_sync,
    /// active_torrents, message}.
    boost::json::object status_json() const;

    /// The current problem in words, "" when all is well.
    std::string const& warning() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace pvpn::qbt
