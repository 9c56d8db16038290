// JSON-RPC 2.0 over a stream: one message per line (newline-delimited JSON).
//
// This is the whole wire contract between pvpnd and its clients (pvpn, scripts,
// `socat - UNIX-CONNECT:/run/pvpn.sock`). Requests are limited to
// max_request_bytes; replies may be larger (a server list) up to max_reply_bytes.
#pragma once

#include "common/error.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pvpn::proto {

/// Version of the method set; bumped when a method changes incompatibly
/// (the old name keeps working for one release, see docs/rpc.md).
inline constexpr int api_version = 1;

inline constexpr std::size_t max_request_bytes = 64 * 1024;
inline constexpr std::size_t max_reply_bytes = 32 * 1024 * 1024;

struct Request {
    boost::json::value id;  ///< null for a notification (no reply expected).
    bool has_id = false;
    std::string method;
    boost::json::object params;
};

/// A failed parse: the error to send back and the id, when it could be read.
struct RequestError {
    Error error;
    boost::json::value id;
};

/// Parses one line (without its newline) into a request. Params may be an
/// object or absent; positional (array) params are refused.
boost::system::result<Request, RequestError> parse_request(std::string_view line);

/// Serialises a request, a success reply, an error reply or a notification
/// as one line, including the trailing '\n'.
std::string encode_request(boost::json::value const& id, std::string_view method,
                           boost::json::object params);
std::string encode_result(boost::json::value const& id, boost::json::value result);
std::string encode_error(boost::json::value const& id, Error const& error,
                         boost::json::value data = nullptr);
std::string encode_notification(std::string_view method, boost::json::object params);

/// A reply or notification as read by a client.
struct Reply {
    boost::json::value id;
    std::optional<boost::json::value> result;  ///< Set on success.
    std::optional<Error> error;                ///< Set on failure.
    boost::json::value error_data;             ///< The error's "data" member, if any.
    std::string method;                        ///< Set for notifications.
    boost::json::object params;                ///< Notification params.
    bool is_notification() const { return !method.empty(); }
};

Result<Reply> parse_reply(std::string_view line);

/// Splits a byte stream into lines with a size limit. Feed bytes as they come;
/// take complete lines out. Once a line grows past the limit the framer is
/// poisoned: the caller must answer message_too_large and close.
class LineFramer {
public:
    explicit LineFramer(std::size_t limit) : limit_(limit) {}

    /// Appends bytes. Returns false (and poisons) if the pending line is too long.
    bool feed(std::string_view bytes);

    /// Next complete line without '\n' (a trailing '\r' is dropped), if any.
    std::optional<std::string> next_line();

    bool poisoned() const { return poisoned_; }
    std::size_t pending() const { return buffer_.size() - start_; }

private:
    std::size_t limit_;
    std::string buffer_;
    std::size_t start_ = 0;  ///< Where the next line to hand out begins.
    std::size_t tail_ = 0;   ///< Where the unterminated last line begins.
    bool poisoned_ = false;
};

} // namespace pvpn::proto
