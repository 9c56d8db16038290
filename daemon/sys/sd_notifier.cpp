#include "daemon/sys/notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace pvpn::sys {

void SdNotifier::ready() { sd_notify(0, "READY=1\nSTATUS=listening"); }

void SdNotifier::status(std::string const& text) {
    std::string msg = "STATUS=" + text;
    sd_notify(0, msg.c_str());
}

void SdNotifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

void SdNotifier::stopping() { sd_notify(0, "STOPPING=1"); }

std::optional<std::chrono::microseconds> SdNotifier::watchdog_interval() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        return std::chrono::microseconds(static_cast<std::int64_t>(usec));
    return std::nullopt;
}

} // namespace pvpn::sys
