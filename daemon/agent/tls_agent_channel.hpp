// The real local-agent channel: TCP to 10.2.0.1:65432 from the tunnel
// address, bound to the tunnel device (so it can never leave through another
// interface), then TLS 1.2 as Proton's Linux client does it (with TLS 1.3 the
// server reports an expired client certificate only later, see
// shared/docs/proton-api.md section 6). The client presents the API
// certificate and the device's Ed25519 key; the server must present a
// certificate for the physical server's Domain that chains to the trust anchor
// (Proton's root CA built in, or `[protonvpn] agent_ca_file`).
#pragma once

#include "daemon/agent/agent_channel.hpp"
#include "daemon/agent/agent_protocol.hpp"
#include "daemon/agent/local_agent.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace pvpn::agent {

/// Where the channel connects from and to, and whom it trusts.
struct TlsChannelOptions {
    std::string interface;                          ///< The tunnel device; "" = no device binding.
    std::string local_address;                      ///< The tunnel address to connect from; "" = any.
    std::string host = "10.2.0.1";                  ///< The agent.
    std::uint16_t port = agent_port;
    std::filesystem::path ca_file;                  ///< Trust anchor PEM; empty: Proton's root CA.
    std::chrono::milliseconds open_timeout{10'000}; ///< TCP connect plus TLS handshake.
};

/// A channel for `login`. Fails (Errc::config_invalid) when the CA file, the
/// certificate or the key cannot be loaded, before anything is sent.
Result<std::unique_ptr<AgentChannel>> make_tls_channel(boost::asio::any_io_executor executor,
                                                       TlsChannelOptions const& options, AgentLogin const& login);

} // namespace pvpn::agent
