// The parameters of connect.v1, list.v1 and disconnect.v1: checked field by
// field (the client validates too, but scripts may not), merged with the
// defaults of config.ini. Pure.
#pragma once

#include "common/error.hpp"
#include "daemon/core/config.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace pvpn::core {

/// Which servers, and how to rank them.
struct Selection {
    std::string cc;          ///< Exit country, upper case; empty: any.
    bool sc = false;
    bool p2p = false;
    Fastest fastest = Fastest::ping;
    int threshold = 60;      ///< Maximum load in percent.
    std::optional<int> latency_cutoff_ms;
};

struct ConnectParams {
    Selection selection;
    bool dns = true;
    bool ks = false;
    std::string twofa;       ///< For this login only.
    std::string hv_token;    ///< A solved human-verification token.
};

struct DisconnectParams {
    std::optional<bool> ks;  ///< nullopt: keep the kill-switch as it is.
};

Result<ConnectParams> parse_connect_params(boost::json::object const& params, Config const& config);
Result<Selection> parse_list_params(boost::json::object const& params, Config const& config);
Result<DisconnectParams> parse_disconnect_params(boost::json::object const& params);

/// connect.v1 params that reproduce `p` (for resuming after a restart; no secrets).
boost::json::object to_json(ConnectParams const& p);

} // namespace pvpn::core
