// The composition root of pvpnd's behaviour: owns the services, registers the
// RPC methods, and publishes events to watchers. Everything runs on the one
// io_context it is given.
#pragma once

#include "daemon/core/config.hpp"
#include "daemon/core/connection.hpp"
#include "daemon/rpc/dispatcher.hpp"
#include "daemon/sys/notifier.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <functional>

namespace pvpn::core {

struct Paths {
    std::filesystem::path config_dir;  ///< config.ini, wireguard/, pvpn.log
    std::filesystem::path run_dir;     ///< what the daemon changed in the system (crash recovery)
};

class Daemon {
public:
    using Publisher = std::function<void(boost::json::object event)>;

    Daemon(Paths paths, ConfigStore& config, Connection& connection, sys::Notifier& notifier);

    /// Registers every method of proto::methods on `dispatcher`.
    void register_methods(rpc::Dispatcher& dispatcher);

    /// Where events for watch.v1 subscribers go.
    void set_publisher(Publisher publisher) { publish_ = std::move(publisher); }

    /// Sends an event (a "time" member is added) to every watcher, and keeps
    /// the service manager's STATUS line in step with the tunnel state.
    void publish(boost::json::object event);

private:
    Paths paths_;
    ConfigStore& config_;
    Connection& connection_;
    sys::Notifier& notifier_;
    Publisher publish_;
};

} // namespace pvpn::core
