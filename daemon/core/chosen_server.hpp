// The server a connection uses, copied out of the server list (which may be
// refreshed under it), and its JSON forms: status.v1's "server" object and
// the full record a restarted pvpnd resumes from.
#pragma once

#include "common/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <string>

namespace pvpn::core {

/// One logical server with the physical server picked for it.
struct ChosenServer {
    std::string name, entry_country, exit_country, city, entry_ip, domain, public_key;
    std::uint32_t features = 0;
    int load = 0;
};

/// "wgp" + country: the exit country's code, lower case.
std::string interface_for(ChosenServer const& server);

/// status.v1's "server": {name, country, entry_country, city, entry_ip, features, load}.
boost::json::object server_status_json(ChosenServer const& server);

/// Every field, for <run_dir>/connection.json (public data only).
boost::json::object server_record(ChosenServer const& server);
/// The inverse of server_record; Errc::internal naming the bad field.
Result<ChosenServer> parse_server_record(boost::json::value const& record);

} // namespace pvpn::core
