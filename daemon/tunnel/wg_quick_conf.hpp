// Standard WireGuard configuration files (wg-quick format) for the servers
// pvpn picked, so that a user can bring a tunnel up by hand with
// `wg-quick up ~/.pvpn-cli/pvpn/wireguard/CH-1.conf` without pvpnd.
#pragma once

#include "common/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::tunnel {

struct WgQuickConf {
    std::string private_key;                 ///< base64; a secret
    std::string address = "10.2.0.2/32";
    std::vector<std::string> dns{"10.2.0.1"};
    std::string peer_public_key;             ///< base64
    std::string endpoint;                    ///< "ip:port"
    std::vector<std::string> allowed_ips{"0.0.0.0/0", "::/0"};
    std::uint16_t persistent_keepalive = 25;
    std::string comment;                     ///< One line naming the server, e.g. "CH#1 (Zurich)"; may be empty
};

/// The file's text: [Interface] PrivateKey, Address, DNS; [Peer] PublicKey,
/// AllowedIPs, Endpoint, PersistentKeepalive.
std::string render_wg_quick_conf(WgQuickConf const& conf);

/// A file name stem wg-quick accepts (it becomes the interface name: at most
/// 15 characters of [a-zA-Z0-9_=+.-]): "CH#1" -> "CH-1", "CH-SE#1" -> "CH-SE-1".
std::string wg_quick_conf_stem(std::string_view server_name);

/// Writes `dir`/<stem>.conf (mode 0600, atomically; `dir` is created 0700)
/// and returns its path.
Result<std::filesystem::path> write_wg_quick_conf(std::filesystem::path const& dir, std::string_view server_name,
                                                  WgQuickConf const& conf);

} // namespace pvpn::tunnel
