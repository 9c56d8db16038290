// Talks to the connected server's local agent for as long as a connection
// lasts, the way Proton's own clients do: once the tunnel is up, open the
// channel (TLS with the API certificate and the device key), send
// features-set (port forwarding on, plus the features config.ini sets), then
// status-get every `poll` to keep the session alive and the status current.
// The agent's state and reason codes are kept, in words, for status.v1.
//
// A certificate refresh closes the channel and opens a new one with the new
// certificate at once. A server without an agent, or an agent that stops
// answering, is a note ("unreachable") and a retry with a capped backoff,
// never a failure of the connection: the certificate's own
// Features.PortForwarding covers port forwarding without the agent.
#pragma once

#include "daemon/agent/agent_channel.hpp"
#include "daemon/agent/agent_protocol.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace pvpn::agent {

/// Who pvpn is to the agent, and who the agent must be.
struct AgentLogin {
    std::string server_name;      ///< The physical server's Domain: the TLS name to verify.
    std::string certificate_pem;  ///< The API certificate (/vpn/v1/certificate).
    std::string private_key_pem;  ///< The device's Ed25519 key, PKCS#8 PEM. A secret.
};

/// Makes a channel for a login (a new one for every attempt and certificate).
using ChannelFactory = std::function<Result<std::unique_ptr<AgentChannel>>(AgentLogin const&)>;

/// How the session behaves: what it asks for and how often it talks.
struct AgentOptions {
    Features features;                            ///< Sent with features-set after every open.
    std::chrono::milliseconds poll{30'000};       ///< status-get period; an answer must come within it.
    std::chrono::milliseconds retry_min{2'000};   ///< First wait after a failed attempt (doubling).
    std::chrono::milliseconds retry_max{60'000};  ///< Longest wait between attempts.
};

class LocalAgent {
public:
    /// Receives watch.v1 events ({"type": "agent", "state": ..., "message": ...}).
    using Publisher = std::function<void(boost::json::object)>;

    LocalAgent(boost::asio::any_io_executor executor, ChannelFactory factory, AgentLogin login, AgentOptions options,
               Publisher publish);
    /// Stops (see stop()).
    ~LocalAgent();
    LocalAgent(LocalAgent const&) = delete;
    LocalAgent& operator=(LocalAgent const&) = delete;

    /// Starts the session in the background (state "connecting").
    void start();

    /// Ends it at once: the channel is closed, nothing is published any more.
    void stop();

    /// A new certificate: the channel is reopened with it right away.
    void renew(std::string certificate_pem);

    /// status.v1's "local_agent": {state, port_forwarding, reason, message,
    /// last_status}. state: connecting | connected | jailed | hard-jailed |
    /// disconnected (the agent's own words) | unreachable | off.
    boost::json::object status_json() const;

    /// A restriction the user must act on (a final reason or hard jail), in
    /// words; "" when there is none.
    std::string warning() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace pvpn::agent
