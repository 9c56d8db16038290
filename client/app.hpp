// Runs one `pvpn` command line end to end: parse, connect to pvpnd, call,
// print, and choose the exit status.
#pragma once

#include <span>
#include <string>

namespace pvpn::client {

/// The whole program; `args` is argv without the program name. Returns the exit status.
int run(std::span<std::string const> args);

} // namespace pvpn::client
