// The completion handler for a detached background coroutine: an exception
// that escapes it is logged (with what was running) instead of ending pvpnd.
#pragma once

#include "common/log.hpp"

#include <exception>
#include <string>
#include <string_view>

namespace pvpn {

/// For asio::co_spawn(executor, task(), log_failure("qbt", "the qBittorrent sync")):
/// logs "<what> failed: <reason>" under `module` when the task threw.
inline auto log_failure(std::string_view module, std::string_view what) {
    return [module = std::string(module), what = std::string(what)](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (std::exception const& x) {
            log::error(module, what, " failed: ", x.what());
        } catch (...) {
            log::error(module, what, " failed");
        }
    };
}

} // namespace pvpn
