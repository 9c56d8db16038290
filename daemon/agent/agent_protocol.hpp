// The local agent's wire format (shared/docs/proton-api.md section 6): each
// message is a 4-byte big-endian length followed by that many bytes of UTF-8
// JSON. pvpn sends {"features-set":{...}} and {"status-get":{}}; the agent
// answers {"status":{...}} or {"error":{...}}. Pure: no I/O here.
#pragma once

#include "common/error.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pvpn::agent {

/// The agent's TCP port on the tunnel gateway (10.2.0.1).
inline constexpr std::uint16_t agent_port = 65432;

/// A longer message is refused: real status messages are a few hundred bytes.
inline constexpr std::uint32_t max_message = 64 * 1024;

/// Connection features, as the agent names them. Unset ones are not sent, so
/// the server keeps its own value.
struct Features {
    std::optional<bool> port_forwarding;  ///< "port-forwarding"
    std::optional<int> netshield_level;   ///< "netshield-level": 0 off, 1 malware, 2 malware + ads + trackers
    std::optional<bool> randomized_nat;   ///< "randomized-nat": false = Moderate NAT
    std::optional<bool> split_tcp;        ///< "split-tcp": VPN Accelerator
    friend bool operator==(Features const&, Features const&) = default;
};

/// Why the agent restricts the connection: {"code","final","description"}.
struct Reason {
    int code = 0;
    bool final = false;  ///< Only a new certificate or connection can clear it.
    std::string description;
};

/// {"status":{...}}: the connection's state as the server sees it.
struct Status {
    std::string state;  ///< "connected", "jailed", "hard-jailed" or "disconnected".
    std::optional<Reason> reason;
    Features features;  ///< What the server applies now.
};

/// {"error":{"code","description"}}: the agent refused a request.
struct AgentError {
    int code = 0;
    std::string description;
};

/// One message from the agent.
using Message = std::variant<Status, AgentError>;

/// `body` with its 4-byte big-endian length in front.
std::string frame(std::string_view body);

/// The body length a frame header announces; Errc::network when it is over
/// max_message (the stream can then no longer be trusted).
Result<std::uint32_t> body_length(std::array<std::uint8_t, 4> const& header);

/// {"features-set":{...}} with only the features that are set.
std::string features_set_message(Features const& features);

/// {"status-get":{}}.
std::string status_get_message();

/// True when `features` sets nothing (no features-set is then needed).
bool empty(Features const& features);

/// Parses one message body. Errc::network for a body that is not one of the
/// two messages (not JSON, no "status"/"error" object, wrong types).
Result<Message> parse_message(std::string_view body);

/// A reason code in words for `pvpn status`, e.g. 86153 -> "torrenting is not
/// allowed on this server: connect with --p2p". Unknown codes fall back to the
/// agent's own description (or "reason <code>").
std::string reason_words(int code, std::string_view description);

/// An error answer in words: feature errors (86200-86299) say whether the
/// server's policy refused a feature or the request was malformed.
std::string error_words(AgentError const& error);

} // namespace pvpn::agent
