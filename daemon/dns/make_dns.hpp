// Chooses how to set DNS: through systemd-resolved when /etc/resolv.conf is
// its stub (a symlink into /run/systemd/resolve/), else by rewriting the file.
#pragma once

#include "daemon/dns/dns.hpp"
#include "daemon/dns/resolv_conf_dns.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <memory>
#include <optional>

namespace pvpn::dns {

enum class DnsBackend { resolv_conf, resolved };

/// The decision alone: `link_target` is what readlink(2) gives for
/// `resolv_conf` (nullopt when it is not a symlink); relative targets count
/// from the link's directory.
DnsBackend choose_dns_backend(std::filesystem::path const& resolv_conf,
                              std::optional<std::filesystem::path> const& link_target);

/// Looks at the file and builds the matching implementation.
std::unique_ptr<Dns> make_dns(boost::asio::any_io_executor executor, ResolvConfOptions const& options);

} // namespace pvpn::dns
