// The WireGuard port: create a device, give it its key and peer, read its
// peers' state, destroy it. Two real implementations, picked by
// detect_wireguard(): GenlWireGuard (the kernel module, over the "wireguard"
// generic netlink family) and UapiWireGuard (the wireguard-go userspace
// daemon, over its UAPI socket). Tests use FakeWireGuard.
//
// Keys cross this port as standard base64 (as `wg` prints them).
#pragma once

#include "common/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::wg {

/// A peer as configured.
struct PeerConfig {
    std::string public_key;                  ///< base64
    std::string endpoint;                    ///< "ip:port" or "[ipv6]:port"; empty: none
    std::vector<std::string> allowed_ips;    ///< Prefixes, e.g. "0.0.0.0/0", "::/0"
    std::uint16_t persistent_keepalive = 0;  ///< Seconds; 0: off
};

/// The desired state of a device. Unset optionals are left as they are.
struct DeviceConfig {
    std::string private_key;                 ///< base64; empty: leave unchanged. A secret.
    std::optional<std::uint32_t> fwmark;     ///< Mark on the device's own UDP packets (0 clears it).
    std::optional<std::uint16_t> listen_port;
    std::vector<PeerConfig> peers;
    bool replace_peers = true;               ///< Remove every peer not listed here.
};

/// A peer as the device reports it.
struct PeerStatus {
    std::string public_key;                  ///< base64
    std::string endpoint;                    ///< Where its packets last came from; empty if never
    std::int64_t last_handshake = 0;         ///< Unix seconds; 0: never
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
};

struct DeviceStatus {
    std::uint32_t fwmark = 0;
    std::uint16_t listen_port = 0;
    std::vector<PeerStatus> peers;
};

/// A device this port created or found: what is needed to destroy it later,
/// even from another pvpnd process after a crash.
struct Device {
    std::string ifname;
    std::optional<int> pid;                  ///< The wireguard-go process; none for the kernel
};

class WireGuard {
public:
    virtual ~WireGuard() = default;

    /// Creates device `ifname` (down, no address). Fails if the name is taken.
    /// Awaitable: wireguard-go takes a few milliseconds to open its socket.
    virtual boost::asio::awaitable<Result<Device>> create(std::string ifname) = 0;
    /// Applies `config` to the device.
    virtual Result<void> configure(std::string const& ifname, DeviceConfig const& config) = 0;
    /// Reads the device's peers and counters.
    virtual Result<DeviceStatus> status(std::string const& ifname) = 0;
    /// Finds a working device called `ifname` (after a crash, for adoption);
    /// nullopt when there is none.
    virtual Result<std::optional<Device>> find(std::string const& ifname) = 0;
    /// Deletes the device and ends its process; a device already gone is fine.
    virtual boost::asio::awaitable<Result<void>> destroy(Device device) = 0;
    /// "kernel" or "wireguard-go".
    virtual std::string_view backend() const = 0;
};

} // namespace pvpn::wg
