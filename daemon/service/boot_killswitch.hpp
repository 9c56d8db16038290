// The kill-switch at boot, before the network comes up (pvpnd
// --boot-killswitch, run by pvpnd-killswitch.service before
// network-pre.target): when the machine will connect at boot with the
// kill-switch on, nothing may leave it before the tunnel is up, not even in
// the seconds between DHCP and pvpnd's first connect. See docs/service.md.
#pragma once

#include "daemon/core/config.hpp"
#include "daemon/firewall/policy.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pvpn::service {

/// True when config.ini asks for the kill-switch at boot: pvpnd connects at
/// start (`[service] autoconnect`) with the kill-switch on (`[network]
/// ks_default`).
bool wants_boot_killswitch(core::Config const& config);

/// The names of the network links in `sys_class_net` (normally
/// /sys/class/net), sorted, without loopback and pvpn's own tunnels (wgp*).
std::vector<std::string> physical_links(std::filesystem::path const& sys_class_net);

/// The blocking policy for boot: no tunnel yet, and no addresses yet either,
/// so DHCP and IPv6 neighbour discovery pass on every link in `links` (else
/// the machine could never get an address) and, with `allow_lan`, link-local
/// traffic passes. pvpnd replaces it with its own blocking policy (with the
/// LAN's prefixes) when it starts.
firewall::Policy boot_policy(std::vector<std::string> const& links, bool allow_lan);

} // namespace pvpn::service
