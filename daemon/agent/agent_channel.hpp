// The connection to a server's local agent as the session logic sees it:
// open it, send a message, receive the next one, close it. The real one is
// TLS over TCP inside the tunnel (tls_agent_channel.hpp); tests use a fake.
#pragma once

#include "common/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace pvpn::agent {

class AgentChannel {
public:
    virtual ~AgentChannel() = default;

    /// Connects and authenticates, within the channel's own deadline;
    /// Errc::network with the reason when that fails.
    virtual boost::asio::awaitable<Result<void>> open() = 0;

    /// Sends one message body (the channel adds the length prefix).
    virtual boost::asio::awaitable<Result<void>> send(std::string body) = 0;

    /// Waits for the next message body, for as long as it takes (the caller
    /// bounds it by closing the channel or by cancellation).
    virtual boost::asio::awaitable<Result<std::string>> receive() = 0;

    /// Ends the connection at once; operations under way end with an error.
    virtual void close() = 0;
};

} // namespace pvpn::agent
