// `pvpn init`: read the current settings, take new values from flags and (on
// a terminal) from prompts, and send them in one config.set.v1.
#pragma once

#include "client/cli.hpp"
#include "client/prompt.hpp"
#include "client/rpc_client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>

namespace pvpn::client {

/// The question for one key, showing its current value as the default
/// ("Proton user name [alice]: "); a secret shows only "(set)".
std::string init_question(FlagSpec const& spec, std::string_view current);

/// The sections to send: the plan's flag values and, when `terminal` is set,
/// an answer for every other key of each chosen section (Enter keeps the
/// current value, so the key is not sent; invalid answers are asked again).
/// `current` is the config.get.v1 result. Nothing if input ended.
std::optional<boost::json::object> collect_init_values(InitPlan const& plan, boost::json::value const& current,
                                                       Terminal* terminal);

/// The whole flow over `rpc`: config.get.v1, collect_init_values,
/// config.set.v1. Returns the config.set.v1 result; `sent` receives the
/// sections sent (secrets included, for the qBittorrent WebUI setup).
CallResult run_init(RpcClient& rpc, InitPlan const& plan, Terminal* terminal, std::chrono::milliseconds timeout,
                    boost::json::object& sent);

} // namespace pvpn::client
