// The wireguard-go process: started as `wireguard-go -f IFNAME` in a process
// group of its own, so that a crash of pvpnd (or a signal to its group) does
// not take the tunnel down with it (the kill-switch then keeps failing
// closed), and found again by its command line after such a crash.
#pragma once

#include "common/error.hpp"

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pvpn::wg {

struct SpawnOptions {
    std::filesystem::path binary;    ///< wireguard-go
    std::filesystem::path log_file;  ///< Its stdout and stderr (appended); empty: /dev/null
    std::string log_level;           ///< wireguard-go's LOG_LEVEL: "error", "verbose" or "silent"
};

/// Starts `wireguard-go -f ifname` with WG_PROCESS_FOREGROUND=1, stdin from
/// /dev/null, no other inherited descriptor, default signal dispositions and
/// its own process group. Returns its pid.
Result<pid_t> spawn_wireguard_go(SpawnOptions const& options, std::string const& ifname);

/// Whether a /proc/PID/cmdline (arguments separated by NULs) is
/// wireguard-go serving `ifname`.
bool is_wireguard_go_cmdline(std::string_view cmdline, std::string_view ifname);

/// Whether process `pid` is (still) wireguard-go serving `ifname`; a
/// recycled pid is not.
bool is_wireguard_go(pid_t pid, std::string_view ifname);

/// The pid of a wireguard-go serving `ifname`, found in /proc.
std::optional<pid_t> find_wireguard_go(std::string_view ifname);

/// Whether `pid` is a child of this process (running, or ended and not yet
/// reaped). A child's pid cannot have been recycled, whatever /proc says
/// while it exits.
bool is_child(pid_t pid);

/// Whether `pid` has ended. Reaps it if it is our child, so no zombie stays.
bool process_ended(pid_t pid);

/// A description of how our child `pid` ended ("exit status 1", "signal 9"),
/// reaping it; empty if it is still running or not our child.
std::string child_exit_reason(pid_t pid);

} // namespace pvpn::wg
