#include "daemon/agent/agent_protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace pvpn::agent {
namespace json = boost::json;

namespace {

constexpr std::string_view port_forwarding_key = "port-forwarding";
constexpr std::string_view netshield_key = "netshield-level";
constexpr std::string_view randomized_nat_key = "randomized-nat";
constexpr std::string_view split_tcp_key = "split-tcp";

struct Words {
    int code;
    std::string_view text;
};

// Codes from Proton's clients (go-vpn-lib localAgent, python-proton-vpn-local-agent).
constexpr Words reason_table[] = {
    {86100, "guest session: log in with a Proton account"},
    {86101, "certificate expired"},
    {86102, "certificate revoked"},
    {86103, "this device key is used by another connection"},
    {86104, "restricted server: this account may not use it"},
    {86105, "the certificate's signature is not valid"},
    {86106, "no certificate was presented"},
    {86110, "too many VPN sessions for this account: disconnect another device"},
    {86111, "too many VPN sessions for the Free plan: disconnect another device"},
    {86112, "too many VPN sessions for the Basic plan: disconnect another device"},
    {86113, "too many VPN sessions for the Plus plan: disconnect another device"},
    {86114, "too many VPN sessions for the Visionary plan: disconnect another device"},
    {86115, "too many VPN sessions for the Pro plan: disconnect another device"},
    {86120, "two-factor authentication needed"},
    {86121, "two-factor authentication needed"},
    {86122, "two-factor authentication needed"},
    {86150, "server error"},
    {86151, "the plan of this account does not include this server"},
    {86152, "the account is delinquent (an invoice is unpaid)"},
    {86153, "torrenting not allowed on this server: use --p2p"},
    {86154, "blocked for bad behaviour on this server"},
};

std::optional<bool> bool_at(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    if (!v || !v->is_bool()) return std::nullopt;
    return v->as_bool();
}

std::optional<std::int64_t> int_at(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    if (!v || !v->is_int64()) return std::nullopt;
    return v->as_int64();
}

std::string text_at(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Features parse_features(json::object const& o) {
    Features f;
    f.port_forwarding = bool_at(o, port_forwarding_key);
    if (auto level = int_at(o, netshield_key)) f.netshield_level = static_cast<int>(*level);
    f.randomized_nat = bool_at(o, randomized_nat_key);
    f.split_tcp = bool_at(o, split_tcp_key);
    return f;
}

Result<Message> parse_status(json::object const& o) {
    Status s;
    auto const* state = o.if_contains("state");
    if (!state || !state->is_string()) return fail(Errc::network, "the local agent sent a status without a state");
    s.state = std::string(state->as_string());
    if (auto const* reason = o.if_contains("reason"); reason && reason->is_object()) {
        auto const& r = reason->as_object();
        auto code = int_at(r, "code");
        if (!code) return fail(Errc::network, "the local agent sent a reason without a code");
        s.reason = Reason{static_cast<int>(*code), bool_at(r, "final").value_or(false), text_at(r, "description")};
    }
    if (auto const* features = o.if_contains("features"); features && features->is_object())
        s.features = parse_features(features->as_object());
    return Message{std::move(s)};
}

} // namespace

std::string frame(std::string_view body) {
    auto const n = static_cast<std::uint32_t>(body.size());
    std::string out;
    out.reserve(body.size() + 4);
    out += static_cast<char>((n >> 24) & 0xff);
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
    out += body;
    return out;
}

Result<std::uint32_t> body_length(std::array<std::uint8_t, 4> const& header) {
    std::uint32_t const n = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                            (std::uint32_t{header[2]} << 8) | std::uint32_t{header[3]};
    if (n > max_message)
        return fail(Errc::network, "the local agent announced a message of " + std::to_string(n) +
                                       " bytes (at most " + std::to_string(max_message) + " are accepted)");
    return n;
}

bool empty(Features const& features) { return features == Features{}; }

std::string features_set_message(Features const& features) {
    json::object set;
    if (features.netshield_level) set[netshield_key] = *features.netshield_level;
    if (features.randomized_nat) set[randomized_nat_key] = *features.randomized_nat;
    if (features.split_tcp) set[split_tcp_key] = *features.split_tcp;
    if (features.port_forwarding) set[port_forwarding_key] = *features.port_forwarding;
    return json::serialize(json::object{{"features-set", std::move(set)}});
}

std::string status_get_message() { return json::serialize(json::object{{"status-get", json::object{}}}); }

Result<Message> parse_message(std::string_view body) {
    boost::system::error_code ec;
    auto doc = json::parse(body, ec);
    if (ec || !doc.is_object()) return fail(Errc::network, "the local agent sent a message that is not a JSON object");
    auto const& o = doc.as_object();
    if (auto const* status = o.if_contains("status")) {
        if (!status->is_object()) return fail(Errc::network, "the local agent sent a status that is not an object");
        return parse_status(status->as_object());
    }
    if (auto const* error = o.if_contains("error")) {
        if (!error->is_object()) return fail(Errc::network, "the local agent sent an error that is not an object");
        auto const& e = error->as_object();
        auto code = int_at(e, "code");
        if (!code) return fail(Errc::network, "the local agent sent an error without a code");
        return Message{AgentError{static_cast<int>(*code), text_at(e, "description")}};
    }
    return fail(Errc::network, "the local agent sent a message that is neither a status nor an error");
}

std::string reason_words(int code, std::string_view description) {
    for (auto const& w : reason_table)
        if (w.code == code) return std::string(w.text);
    if (!description.empty()) return std::string(description);
    return "reason " + std::to_string(code);
}

std::string error_words(AgentError const& error) {
    std::string const detail = error.description.empty() ? std::string() : ": " + error.description;
    if (error.code >= 86200 && error.code <= 86299) {
        if (error.code % 5 == 2) return "the local agent found the feature request malformed" + detail;
        if (error.code % 5 < 2) return "the server's policy refused a requested feature" + detail;
    }
    return "the local agent answered error " + std::to_string(error.code) + detail;
}

} // namespace pvpn::agent
