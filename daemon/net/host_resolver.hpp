// How pvpnd finds the addresses of a host it talks to (the Proton API). A
// small class, so that the kill-switch's address memory can wrap the system
// resolver (RememberingResolver) and tests can stand in for DNS.
#pragma once

#include "common/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace pvpn::net {

using TcpEndpoints = std::vector<boost::asio::ip::tcp::endpoint>;

class HostResolver {
public:
    virtual ~HostResolver() = default;

    /// The addresses of `host` (a name or an IP literal) with `port`, in the
    /// order to try them; never empty on success. Errc::network, with the
    /// reason, when there are none within `deadline`.
    virtual boost::asio::awaitable<Result<TcpEndpoints>> resolve(std::string host, std::string port,
                                                                 std::chrono::milliseconds deadline) = 0;
};

/// The system's resolver (getaddrinfo on Asio's resolver thread: /etc/hosts,
/// resolv.conf, nsswitch), abandoned at the deadline.
class SystemResolver final : public HostResolver {
public:
    explicit SystemResolver(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

    boost::asio::awaitable<Result<TcpEndpoints>> resolve(std::string host, std::string port,
                                                         std::chrono::milliseconds deadline) override;

private:
    boost::asio::any_io_executor executor_;
};

} // namespace pvpn::net
