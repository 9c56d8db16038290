#include "daemon/qbt/qbittorrent.hpp"

#include <boost/json/parse.hpp>

#include <charconv>

namespace pvpn::qbt {
namespace json = boost::json;

namespace {

bool bool_field(json::object const& o, std::string_view key) {
    auto const* v = o.if_contains(key);
    return v && v->is_bool() && v->as_bool();
}

} // namespace

std::optional<Version> parse_version(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
    Version v;
    int* parts[] = {&v.major, &v.minor, &v.patch};
    char const* p = text.data();
    char const* const end = text.data() + text.size();
    std::size_t n = 0;
    while (n < 3) {
        auto [next, ec] = std::from_chars(p, end, *parts[n]);
        if (ec != std::errc{}) break;
        ++n;
        p = next;
        if (p == end || *p != '.') break;  // "4.5.2", or a suffix such as "4.5.2beta1"
        ++p;
    }
    if (n < 2) return std::nullopt;
    return v;
}

Result<Preferences> parse_preferences(std::string_view body) {
    boost::system::error_code ec;
    auto doc = json::parse(body, ec);
    if (ec || !doc.is_object()) return fail(Errc::network, "qBittorrent sent preferences that are not a JSON object");
    auto const& o = doc.as_object();
    Preferences p;
    auto const* port = o.if_contains("listen_port");
    if (!port || !port->is_int64()) return fail(Errc::network, "qBittorrent's preferences have no listen_port");
    p.listen_port = static_cast<long>(port->as_int64());
    p.random_port = bool_field(o, "random_port");
    p.upnp = bool_field(o, "upnp");
    if (auto const* iface = o.if_contains("current_network_interface"); iface && iface->is_string())
        p.network_interface = std::string(iface->as_string());
    return p;
}

Result<std::vector<Torrent>> parse_torrents(std::string_view body) {
    boost::system::error_code ec;
    auto doc = json::parse(body, ec);
    if (ec || !doc.is_array()) return fail(Errc::network, "qBittorrent sent a torrent list that is not a JSON array");
    std::vector<Torrent> out;
    for (auto const& row : doc.as_array()) {
        if (!row.is_object()) continue;
        auto const& o = row.as_object();
        Torrent t;
        if (auto const* h = o.if_contains("hash"); h && h->is_string()) t.hash = std::string(h->as_string());
        if (auto const* s = o.if_contains("state"); s && s->is_string()) t.state = std::string(s->as_string());
        if (auto const* d = o.if_contains("dlspeed"); d && d->is_int64()) t.dlspeed = d->as_int64();
        if (!t.hash.empty()) out.push_back(std::move(t));
    }
    return out;
}

std::string_view paused_filter(Version const& version) { return version.major >= 5 ? "stopped" : "paused"; }

} // namespace pvpn::qbt
