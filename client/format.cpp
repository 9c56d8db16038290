#include "client/format.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>
#include <vector>

namespace pvpn::client {
namespace json = boost::json;

namespace {

// Tolerant accessors: a missing key, a null or a value of another type is "absent".

json::object const* object_at(json::object const* o, std::string_view key) {
    if (!o) return nullptr;
    auto const* v = o->if_contains(key);
    return v && v->is_object() ? &v->as_object() : nullptr;
}

std::optional<std::string> text_at(json::object const* o, std::string_view key) {
    if (!o) return std::nullopt;
    auto const* v = o->if_contains(key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
}

std::optional<double> number_at(json::object const* o, std::string_view key) {
    if (!o) return std::nullopt;
    auto const* v = o->if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    if (v->is_double()) return v->as_double();
    return std::nullopt;
}

std::optional<std::int64_t> integer_at(json::object const* o, std::string_view key) {
    auto n = number_at(o, key);
    if (!n || !std::isfinite(*n)) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(*n));
}

std::optional<bool> bool_at(json::object const* o, std::string_view key) {
    if (!o) return std::nullopt;
    auto const* v = o->if_contains(key);
    if (!v || !v->is_bool()) return std::nullopt;
    return v->as_bool();
}

// The strings of an array member, joined.
std::string joined_at(json::object const* o, std::string_view key, std::string_view sep) {
    std::string out;
    if (!o) return out;
    auto const* v = o->if_contains(key);
    if (!v || !v->is_array()) return out;
    for (auto const& item : v->as_array()) {
        if (!item.is_string()) continue;
        if (!out.empty()) out += sep;
        out += item.as_string();
    }
    return out;
}

std::string fixed(double value, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

// Characters on screen for UTF-8 text (continuation bytes take no column).
std::size_t columns(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void pad(std::string& out, std::string_view cell, std::size_t width) {
    out += cell;
    auto w = columns(cell);
    if (w < width) out.append(width - w, ' ');
}

class Block {
public:
    void line(std::string_view label, std::string_view value) {
        std::string l(label);
        l += ':';
        pad(out_, l, 14);
        out_ += value;
        out_ += '\n';
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

std::string server_line(json::object const& server) {
    std::string out = text_at(&server, "name").value_or("?");
    std::string place;
    auto city = text_at(&server, "city");
    auto country = text_at(&server, "country");
    if (city && !city->empty()) place = *city;
    if (country && !country->empty()) place += (place.empty() ? "" : ", ") + *country;
    auto entry = text_at(&server, "entry_country");
    if (entry && !entry->empty() && country && *entry != *country) place += " via " + *entry;
    if (!place.empty()) out += " (" + place + ")";
    if (auto load = integer_at(&server, "load")) out += ", load " + std::to_string(*load) + "%";
    if (auto features = joined_at(&server, "features", ", "); !features.empty()) out += ", " + features;
    return out;
}

void tunnel_lines(Block& b, json::object const* tunnel, std::int64_t now) {
    if (!tunnel) return;
    if (auto iface = text_at(tunnel, "interface")) {
        std::string v = *iface;
        if (auto backend = text_at(tunnel, "backend")) v += " (" + *backend + ")";
        if (auto address = text_at(tunnel, "address")) v += ", address " + *address;
        b.line("Interface", v);
    }
    if (auto endpoint = text_at(tunnel, "endpoint")) b.line("Endpoint", *endpoint);
    if (auto hs = integer_at(tunnel, "last_handshake")) b.line("Handshake", format_ago(*hs, now));
    auto rx = integer_at(tunnel, "rx_bytes");
    auto tx = integer_at(tunnel, "tx_bytes");
    if (rx || tx) {
        auto bytes = [](std::optional<std::int64_t> n) {
            return n ? format_bytes(static_cast<std::uint64_t>(std::max<std::int64_t>(*n, 0))) : std::string("?");
        };
        b.line("Data", "in " + bytes(rx) + ", out " + bytes(tx));
    }
}

void dns_line(Block& b, json::object const* dns) {
    if (!dns) return;
    auto mode = text_at(dns, "mode");
    std::string v = mode.value_or("?");
    if (mode == "proton") v = "Proton";
    if (mode == "system") v = "system (unchanged)";
    if (auto servers = joined_at(dns, "servers", ", "); !servers.empty() && mode != "system") v += " " + servers;
    if (auto backend = text_at(dns, "backend"); backend && mode != "system") v += " via " + *backend;
    b.line("DNS", v);
}

void killswitch_line(Block& b, json::object const* ks) {
    if (!ks) return;
    auto enabled = bool_at(ks, "enabled");
    if (!enabled) return;
    std::string v = *enabled ? "on" : "off";
    auto active = bool_at(ks, "active");
    if (active == true)
        v += text_at(ks, "mode") == "blocked" ? ", blocking all traffic (no tunnel)" : ", blocking traffic outside the tunnel";
    if (*enabled && active == false) v += ", not active";
    if (*enabled && bool_at(ks, "allow_lan") == true) v += ", LAN allowed";
    if (!*enabled && active == true) v = "off, but still blocking (run: pvpn disconnect --ks false)";
    if (active == true) {
        if (auto dropped = integer_at(ks, "dropped_packets")) v += ", " + std::to_string(*dropped) + " packets dropped";
        if (auto rules = text_at(ks, "rules")) v += " (" + *rules + ")";
    }
    b.line("Kill-switch", v);
}

void port_line(Block& b, json::object const* pf, std::int64_t now) {
    if (!pf) return;
    auto state = text_at(pf, "state").value_or("?");
    std::string v = state;
    if (state == "active") {
        v = integer_at(pf, "port") ? std::to_string(*integer_at(pf, "port")) : std::string("?");
        if (auto protocols = joined_at(pf, "protocols", "/"); !protocols.empty()) v += " " + protocols;
        if (auto expires = integer_at(pf, "expires_in")) v += ", expires in " + format_duration(*expires);
        if (auto renewed = integer_at(pf, "last_renewal")) v += ", renewed " + format_ago(*renewed, now);
    }
    if (auto message = text_at(pf, "message"); message && !message->empty()) v += ": " + *message;
    b.line("Port forward", v);
}

// `forwarded`: the forwarded port, when one is active (to say whether they agree).
void qbt_line(Block& b, json::object const* qb, std::optional<std::int64_t> forwarded) {
    if (!qb) return;
    if (bool_at(qb, "enabled") == false) {
        b.line("qBittorrent", "disabled");
        return;
    }
    std::string v;
    auto add = [&v](std::string const& part) { v += (v.empty() ? "" : ", ") + part; };
    if (bool_at(qb, "reachable") == false) add("not reachable");
    if (auto port = integer_at(qb, "listen_port")) {
        std::string p = "listen port " + std::to_string(*port);
        if (forwarded && *forwarded == *port) p += " (the forwarded port)";
        else if (forwarded) p += " (forwarded: " + std::to_string(*forwarded) + ")";
        add(p);
    }
    if (auto sync = bool_at(qb, "in_sync")) add(*sync ? "in sync" : "not in sync");
    if (auto active = integer_at(qb, "active_torrents")) add(std::to_string(*active) + " active torrents");
    if (auto message = text_at(qb, "message"); message && !message->empty()) add(*message);
    b.line("qBittorrent", v.empty() ? "?" : v);
}

void agent_line(Block& b, json::object const* agent) {
    if (!agent) return;
    auto state = text_at(agent, "state").value_or("?");
    auto message = text_at(agent, "message").value_or("");
    if (state == "off" && message.empty()) return;
    std::string v = state;
    if (auto pf = bool_at(agent, "port_forwarding")) v += *pf ? ", port forwarding on" : ", port forwarding off";
    if (!message.empty()) v += ": " + message;
    b.line("Local agent", v);
}

void monitor_line(Block& b, json::object const* mon, std::int64_t now) {
    if (!mon) return;
    std::string v = text_at(mon, "state").value_or("?");
    if (auto rtt = integer_at(mon, "last_rtt_ms")) v += ", RTT " + std::to_string(*rtt) + " ms";
    if (auto check = integer_at(mon, "last_check"); check && *check > 0) v += ", checked " + format_ago(*check, now);
    if (auto failures = integer_at(mon, "failures"); failures && *failures > 0)
        v += ", " + std::to_string(*failures) + " failed checks";
    if (auto reconnects = integer_at(mon, "reconnects"); reconnects && *reconnects > 0)
        v += ", " + std::to_string(*reconnects) + " reconnects";
    if (auto next = integer_at(mon, "next_retry"); next && *next > 0) {
        v += ", next try " + (*next > now ? "in " + format_duration(*next - now) : std::string("now"));
        if (auto rounds = integer_at(mon, "retry_rounds"); rounds && *rounds > 0)
            v += " (" + std::to_string(*rounds) + " failed rounds)";
    }
    if (auto reason = text_at(mon, "last_reason"); reason && !reason->empty()) v += " (last: " + *reason + ")";
    b.line("Monitor", v);
}

// A JSON value as a short text for event lines: strings bare unless they hold spaces.
std::string event_value(json::value const& v) {
    if (v.is_string()) {
        std::string_view s = v.as_string();
        if (!s.empty() && s.find_first_of(" \t\"=") == std::string_view::npos) return std::string(s);
    }
    return json::serialize(v);
}

} // namespace

std::string format_bytes(std::uint64_t bytes) {
    constexpr double kib = 1024.0;
    auto const b = static_cast<double>(bytes);
    if (bytes < 1024) return std::to_string(bytes) + " B";
    if (b < kib * kib) return fixed(b / kib, 1) + " KiB";
    if (b < kib * kib * kib) return fixed(b / (kib * kib), 1) + " MiB";
    return fixed(b / (kib * kib * kib), 2) + " GiB";
}

std::string format_duration(std::int64_t s) {
    if (s < 0) s = 0;
    if (s < 120) return std::to_string(s) + " s";
    if (s < 3600) return std::to_string(s / 60) + " min";
    if (s < 2 * 86400) {
        auto out = std::to_string(s / 3600) + " h";
        if (auto m = (s % 3600) / 60) out += " " + std::to_string(m) + " min";
        return out;
    }
    auto out = std::to_string(s / 86400) + " d";
    if (auto h = (s % 86400) / 3600) out += " " + std::to_string(h) + " h";
    return out;
}

std::string format_ago(std::int64_t then, std::int64_t now) {
    if (then <= 0) return "never";
    return format_duration(now - then) + " ago";
}

std::string format_status(json::value const& status, std::int64_t now) {
    auto const* s = status.if_object();
    Block b;
    auto state = text_at(s, "state").value_or("unknown");
    if (auto since = integer_at(s, "since"); since && *since > 0)
        state += " (for " + format_duration(now - *since) + ")";
    b.line("State", state);
    if (auto reason = text_at(s, "reason"); reason && !reason->empty()) b.line("Reason", *reason);
    if (auto const* server = object_at(s, "server")) b.line("Server", server_line(*server));
    tunnel_lines(b, object_at(s, "tunnel"), now);
    dns_line(b, object_at(s, "dns"));
    killswitch_line(b, object_at(s, "killswitch"));
    auto const* pf = object_at(s, "port_forwarding");
    port_line(b, pf, now);
    agent_line(b, object_at(s, "local_agent"));
    auto const forwarded = text_at(pf, "state") == "active" ? integer_at(pf, "port") : std::nullopt;
    qbt_line(b, object_at(s, "qbittorrent"), forwarded);
    monitor_line(b, object_at(s, "monitor"), now);
    if (auto const* w = s ? s->if_contains("warnings") : nullptr; w && w->is_array())
        for (auto const& item : w->as_array())
            if (item.is_string()) b.line("Warning", item.as_string());
    return b.take();
}

std::string format_list(json::value const& list) {
    auto const* l = list.if_object();
    auto const* servers_v = l ? l->if_contains("servers") : nullptr;
    static json::array const none;
    auto const& servers = servers_v && servers_v->is_array() ? servers_v->as_array() : none;

    constexpr std::size_t ncol = 6;
    static constexpr std::array<std::string_view, ncol> headers{"NAME", "COUNTRY", "CITY", "LOAD", "FEATURES",
                                                                "LATENCY"};
    std::vector<std::array<std::string, ncol>> rows;
    rows.reserve(servers.size());
    bool any_latency = false;
    for (auto const& sv : servers) {
        auto const* o = sv.if_object();
        if (!o) continue;
        std::array<std::string, ncol> row;
        row[0] = text_at(o, "name").value_or("?");
        row[1] = text_at(o, "country").value_or("");
        if (auto entry = text_at(o, "entry_country"); entry && !entry->empty() && *entry != row[1])
            row[1] += " via " + *entry;
        row[2] = text_at(o, "city").value_or("");
        if (auto load = integer_at(o, "load")) row[3] = std::to_string(*load) + "%";
        row[4] = joined_at(o, "features", ",");
        if (auto latency = number_at(o, "latency_ms")) {
            row[5] = fixed(*latency, 1) + " ms";
            any_latency = true;
        }
        rows.push_back(std::move(row));
    }
    if (rows.empty()) return "No server matches.\n";

    std::size_t const shown = any_latency ? ncol : ncol - 1;
    std::array<std::size_t, ncol> width{};
    for (std::size_t c = 0; c < shown; ++c) width[c] = headers[c].size();
    for (auto const& row : rows)
        for (std::size_t c = 0; c < shown; ++c) width[c] = std::max(width[c], columns(row[c]));

    std::size_t line_len = 0;
    for (std::size_t c = 0; c < shown; ++c) line_len += width[c] + 2;
    std::string out;
    out.reserve((rows.size() + 2) * (line_len + 1) + 64);
    auto emit = [&](auto const& cells) {
        for (std::size_t c = 0; c < shown; ++c) {
            bool const right = c == 3 || c == 5;  // numbers align right
            std::string_view cell = cells[c];
            auto w = columns(cell);
            if (c + 1 == shown && !right) {
                out += cell;
                break;
            }
            if (right && w < width[c]) out.append(width[c] - w, ' ');
            out += cell;
            if (!right && w < width[c]) out.append(width[c] - w, ' ');
            if (c + 1 < shown) out += "  ";
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += '\n';
    };
    emit(headers);
    for (auto const& row : rows) emit(row);

    out += std::to_string(rows.size()) + (rows.size() == 1 ? " server" : " servers");
    if (auto total = integer_at(l, "total"); total && static_cast<std::size_t>(*total) != rows.size())
        out += " (of " + std::to_string(*total) + ")";
    if (auto sorted = text_at(l, "sorted_by")) out += ", sorted by " + *sorted;
    out += '\n';
    return out;
}

std::string format_event(json::object const& event) {
    std::string out;
    if (auto t = integer_at(&event, "time")) {
        std::time_t tt = static_cast<std::time_t>(*t);
        std::tm tm{};
        localtime_r(&tt, &tm);
        char buf[16];
        std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
        out = buf;
        out += ' ';
    }
    auto const type = text_at(&event, "type").value_or("event");
    out += type;
    // A member named like the type is the headline: "state connected".
    auto const* headline = event.if_contains(type);
    if (headline) {
        out += ' ';
        out += event_value(*headline);
    }
    for (auto const& kv : event) {
        if (kv.key() == "type" || kv.key() == "time" || (headline && kv.key() == type)) continue;
        out += ' ';
        out += kv.key();
        out += '=';
        out += event_value(kv.value());
    }
    return out;
}

std::string format_changes(json::value const& result) {
    auto const* r = result.if_object();
    auto path = text_at(r, "path").value_or("config.ini");
    auto changed = joined_at(r, "changed", ", ");
    if (changed.empty()) return "No changes to " + path + ".\n";
    return "Saved " + path + ". Changed: " + changed + ".\n";
}

} // namespace pvpn::client
