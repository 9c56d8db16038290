// Connect at start, as config.ini's `[service] autoconnect` asks: with the
// systemd service, that is connect at boot. See docs/service.md.
#pragma once

#include "common/error.hpp"
#include "daemon/core/connection.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace pvpn::service {

/// True for failures that may pass by themselves (no network yet at boot,
/// Proton busy or rate limiting, a server that did not answer), so another
/// attempt later makes sense. Wrong credentials or settings are not retried.
bool worth_retrying(Errc code);

/// The pause before attempt `attempt` + 1 (attempt counts from 1): 10 s,
/// doubling, at most 5 minutes.
std::chrono::seconds retry_delay(int attempt);

/// Connects with the defaults of config.ini (as `pvpn connect` without
/// flags would). A failure worth_retrying() is tried again after
/// retry_delay(); the loop ends once connected, on a failure that is not
/// worth retrying, or as soon as a user's command has changed the
/// connection's state meanwhile: the user's choice wins over autoconnect.
boost::asio::awaitable<void> autoconnect(core::Connection& connection);

} // namespace pvpn::service
