// Tells the service manager about the daemon's life (sd_notify(3)):
// READY once the socket listens, STATUS lines with the tunnel state,
// WATCHDOG keep-alives from the event loop, STOPPING on shutdown.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pvpn::sys {

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void ready() = 0;
    virtual void status(std::string const& text) = 0;
    virtual void watchdog() = 0;
    virtual void stopping() = 0;
    /// The watchdog interval the service manager expects, if it set one.
    virtual std::optional<std::chrono::microseconds> watchdog_interval() = 0;
};

/// The real one: sd_notify(3); a no-op when NOTIFY_SOCKET is unset.
class SdNotifier final : public Notifier {
public:
    void ready() override;
    void status(std::string const& text) override;
    void watchdog() override;
    void stopping() override;
    std::optional<std::chrono::microseconds> watchdog_interval() override;
};

} // namespace pvpn::sys
