// The params of every method that takes some, as the dispatcher's handlers
// check them: connect.v1, list.v1, disconnect.v1 (daemon/core/params) and
// config.set.v1 (parse_config_update). Scripts may send anything.
#include "daemon/core/config.hpp"
#include "daemon/core/params.hpp"
#include "fuzz/check.hpp"

#include <boost/json.hpp>

using namespace pvpn;
namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    boost::system::error_code ec;
    json::value input = json::parse(fuzz::as_text(data, size), ec);
    if (ec || !input.is_object()) return 0;
    auto const& params = input.as_object();
    core::Config const config;

    if (auto connect = core::parse_connect_params(params, config)) {
        // A connection resumed after a restart is asked for with to_json():
        // it must mean the same thing again.
        auto resumed = core::parse_connect_params(core::to_json(*connect), config);
        PVPN_FUZZ_CHECK(resumed.has_value());
        PVPN_FUZZ_CHECK(core::to_json(*resumed) == core::to_json(*connect));
        auto const& s = connect->selection;
        PVPN_FUZZ_CHECK(s.threshold >= 1 && s.threshold <= 100);
        PVPN_FUZZ_CHECK(s.cc.empty() || s.cc.size() == 2);
    }
    if (auto list = core::parse_list_params(params, config))
        PVPN_FUZZ_CHECK(list->threshold >= 1 && list->threshold <= 100);
    (void)core::parse_disconnect_params(params);

    if (auto update = core::parse_config_update(params)) {
        for (auto const& [spec, value] : *update) {
            // Canonical values stay as they are when checked again.
            auto again = core::check_value(*spec, value);
            PVPN_FUZZ_CHECK(again.has_value() && *again == value);
        }
    }
    return 0;
}
