// Human-readable output of `pvpn`: the status block, the server table, watch
// events and the summary of `init`. Pure functions of the daemon's JSON (and
// of "now", so tests are deterministic); every field may be missing or null.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

namespace pvpn::client {

/// Byte count with a binary unit: "512 B", "1.5 KiB", "12.3 MiB", "2.05 GiB".
std::string format_bytes(std::uint64_t bytes);

/// A duration in seconds: "42 s", "5 min", "3 h 20 min", "2 d 4 h".
std::string format_duration(std::int64_t seconds);

/// How long ago unix time `then` was, seen at `now`: "12 s ago"; "never" for 0.
std::string format_ago(std::int64_t then, std::int64_t now);

/// The status.v1 result as an aligned block of "Label: value" lines.
std::string format_status(boost::json::value const& status, std::int64_t now);

/// The list.v1 result as a table (latency column only when some row has one).
/// Built in one string: 15,000 rows format in milliseconds.
std::string format_list(boost::json::value const& list);

/// One watch.v1 event on one line: "HH:MM:SS type [headline] key=value ..."
/// (local time; the headline is the member named like the type, e.g. "state connected").
std::string format_event(boost::json::object const& event);

/// The config.set.v1 result: which keys changed (names only, never values).
std::string format_changes(boost::json::value const& result);

} // namespace pvpn::client
