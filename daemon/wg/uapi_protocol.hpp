// The text protocol of the WireGuard cross-platform userspace API
// (wireguard-go's Unix socket): "key=value" lines, a request ended by an
// empty line, every reply ended by "errno=N" and an empty line.
//
// Pure functions with no I/O, so that they can be unit-tested and fuzzed: the
// parser accepts any bytes and either returns a status or an error.
#pragma once

#include "common/error.hpp"
#include "daemon/wg/wireguard.hpp"

#include <string>
#include <string_view>

namespace pvpn::wg {

/// The `set=1` request for `config`, blank line included. It holds the private
/// key in hex: the caller wipes it after sending. Fails on a malformed key,
/// endpoint or allowed IP (naming the field, never the private key).
Result<std::string> render_uapi_set(DeviceConfig const& config);

/// The `get=1` request.
std::string_view uapi_get_request();

/// Whether `buffer` holds a complete reply (it ends with an empty line).
bool uapi_reply_complete(std::string_view buffer);

/// Checks the reply to a `set=1`: success only for "errno=0".
Result<void> parse_uapi_set_reply(std::string_view reply);

/// Parses the reply to a `get=1`. Unknown keys are ignored (newer versions
/// add some); malformed numbers, keys or lines, a missing or non-zero errno
/// are errors. The private key in the reply is skipped, never copied.
Result<DeviceStatus> parse_uapi_get_reply(std::string_view reply);

} // namespace pvpn::wg
