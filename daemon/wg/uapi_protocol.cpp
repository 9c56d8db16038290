#include "daemon/wg/uapi_protocol.hpp"

#include "common/bytes.hpp"
#include "daemon/net/prefix.hpp"
#include "daemon/wg/key.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <cstring>

namespace pvpn::wg {

namespace {

std::string hex_key(RawKey const& key) { return to_hex(ByteView(key.data(), key.size())); }

template <class Int>
bool parse_number(std::string_view text, Int& out) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

Error bad_reply(std::string const& why) {
    return fail(Errc::tunnel_failed, "wireguard-go sent a malformed reply: " + why);
}

Error errno_error(int value) {
    return fail(Errc::tunnel_failed, "wireguard-go refused the request: errno " + std::to_string(value) + " (" +
                                         std::strerror(value) + ")");
}

/// Splits off the next line (without '\n'); false at the end of `rest`.
bool next_line(std::string_view& rest, std::string_view& line) {
    if (rest.empty()) return false;
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
        line = rest;
        rest = {};
    } else {
        line = rest.substr(0, nl);
        rest.remove_prefix(nl + 1);
    }
    return true;
}

} // namespace

Result<std::string> render_uapi_set(DeviceConfig const& config) {
    std::string out;
    out.reserve(1024 + config.peers.size() * 512);  // no reallocation leaves a copy of the key behind
    out += "set=1\n";
    if (!config.private_key.empty()) {
        auto key = decode_key(config.private_key, "private key");
        if (!key) return key.error();
        std::string hex = hex_key(*key);
        wipe_key(*key);
        out += "private_key=";
        out += hex;
        out += "\n";
        wipe(hex);
    }
    if (config.listen_port) out += "listen_port=" + std::to_string(*config.listen_port) + "\n";
    if (config.fwmark) out += "fwmark=" + std::to_string(*config.fwmark) + "\n";
    if (config.replace_peers) out += "replace_peers=true\n";
    for (auto const& peer : config.peers) {
        auto key = decode_key(peer.public_key, "peer public key");
        if (!key) return key.error();
        out += "public_key=" + hex_key(*key) + "\n";
        if (!peer.endpoint.empty()) {
            auto endpoint = net::parse_endpoint(peer.endpoint);
            if (!endpoint) return endpoint.error();
            out += "endpoint=" + net::format_endpoint(*endpoint) + "\n";
        }
        out += "persistent_keepalive_interval=" + std::to_string(peer.persistent_keepalive) + "\n";
        out += "replace_allowed_ips=true\n";
        for (auto const& allowed : peer.allowed_ips) {
            auto prefix = net::IpPrefix::parse(allowed);
            if (!prefix) return prefix.error();
            out += "allowed_ip=" + prefix->network().to_string() + "\n";
        }
    }
    out += "\n";
    return out;
}

std::string_view uapi_get_request() { return "get=1\n\n"; }

bool uapi_reply_complete(std::string_view buffer) {
    return buffer == "\n" || (buffer.size() >= 2 && buffer.substr(buffer.size() - 2) == "\n\n");
}

Result<void> parse_uapi_set_reply(std::string_view reply) {
    std::string_view rest = reply;
    std::string_view line;
    while (next_line(rest, line)) {
        if (line.empty()) continue;
        if (line.substr(0, 6) != "errno=") return bad_reply("unexpected line in the answer to set");
        int value = 0;
        if (!parse_number(line.substr(6), value)) return bad_reply("errno is not a number");
        if (value != 0) return errno_error(value);
        return {};
    }
    return bad_reply("no errno in the answer to set");
}

Result<DeviceStatus> parse_uapi_get_reply(std::string_view reply) {
    DeviceStatus status;
    PeerStatus* peer = nullptr;
    std::optional<int> errno_value;
    std::string_view rest = reply;
    std::string_view line;
    while (next_line(rest, line)) {
        if (line.empty()) break;
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) return bad_reply("a line without key=value");
        auto key = line.substr(0, eq);
        auto value = line.substr(eq + 1);
        bool ok = true;
        if (key == "errno") {
            int v = 0;
            ok = parse_number(value, v);
            errno_value = v;
        } else if (key == "public_key") {
            auto raw = from_hex(value);
            if (!raw || raw->size() != RawKey{}.size()) return bad_reply("a peer public key is not 32 bytes of hex");
            RawKey k;
            std::copy(raw->begin(), raw->end(), k.begin());
            status.peers.push_back(PeerStatus{encode_key(k), {}, 0, 0, 0});
            peer = &status.peers.back();
        } else if (key == "listen_port") {
            ok = parse_number(value, status.listen_port);
        } else if (key == "fwmark") {
            ok = parse_number(value, status.fwmark);
        } else if (peer && key == "endpoint") {
            peer->endpoint = std::string(value);
        } else if (peer && key == "last_handshake_time_sec") {
            ok = parse_number(value, peer->last_handshake) && peer->last_handshake >= 0;
        } else if (peer && key == "rx_bytes") {
            ok = parse_number(value, peer->rx_bytes);
        } else if (peer && key == "tx_bytes") {
            ok = parse_number(value, peer->tx_bytes);
        }
        // private_key, preshared_key, protocol_version, allowed_ip and
        // anything newer are not needed here.
        if (!ok) return bad_reply("invalid value for " + std::string(key.substr(0, 40)));
        if (errno_value) break;
    }
    if (!errno_value) return bad_reply("no errno at the end");
    if (*errno_value != 0) return errno_error(*errno_value);
    return status;
}

} // namespace pvpn::wg
