#include "daemon/rpc/dispatcher.hpp"

#include "common/log.hpp"
#include "proto/methods.hpp"

#include <stdexcept>

namespace pvpn::rpc {

void Dispatcher::add(std::string_view method, Handler handler) {
    if (!proto::find_method(method)) throw std::logic_error("method not in proto::methods: " + std::string(method));
    handlers_.insert_or_assign(std::string(method), std::move(handler));
}

boost::asio::awaitable<Result<boost::json::value>> Dispatcher::call(std::string const& method,
                                                                    boost::json::object const& params,
                                                                    CallContext& ctx) const {
    auto const* info = proto::find_method(method);
    auto it = handlers_.find(method);
    if (!info || it == handlers_.end())
        co_return fail(Errc::method_not_found, "unknown method \"" + method + "\"");
    if (info->access == proto::Access::control && !ctx.peer.can_control) {
        log::info("rpc", "denied ", method, " to uid ", ctx.peer.uid, " pid ", ctx.peer.pid);
        co_return fail(Errc::permission_denied,
                       "permission denied: " + method + " needs root or membership in group pvpn");
    }
    log::debug("rpc", "call ", method, " uid ", ctx.peer.uid);
    co_return co_await it->second(params, ctx);
}

} // namespace pvpn::rpc
