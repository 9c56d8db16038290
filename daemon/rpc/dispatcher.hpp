// Maps method names to handlers and enforces the access rule of
// proto::methods before a handler runs. Handlers hold no connection state.
#pragma once

#include "common/error.hpp"
#include "daemon/rpc/peer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace pvpn::rpc {

class Session;

/// What a handler knows about its caller.
struct CallContext {
    Peer peer;
    std::weak_ptr<Session> session;  ///< For subscriptions (watch.v1).
};

using Handler = std::function<boost::asio::awaitable<Result<boost::json::value>>(
    boost::json::object const& params, CallContext& ctx)>;

class Dispatcher {
public:
    /// Registers the handler of a method listed in proto::methods (anything
    /// else is a programming error and throws std::logic_error).
    void add(std::string_view method, Handler handler);

    /// Runs the method for the caller: method_not_found, permission_denied,
    /// or the handler's result.
    boost::asio::awaitable<Result<boost::json::value>> call(std::string const& method,
                                                            boost::json::object const& params,
                                                            CallContext& ctx) const;

private:
    std::map<std::string, Handler, std::less<>> handlers_;
};

} // namespace pvpn::rpc
