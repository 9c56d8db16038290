#include "daemon/core/chosen_server.hpp"

#include "daemon/proton/servers.hpp"
#include "daemon/tunnel/tunnel.hpp"

#include <array>
#include <utility>

namespace pvpn::core {
namespace json = boost::json;

std::string interface_for(ChosenServer const& server) { return tunnel::tunnel_ifname(server.exit_country); }

json::object server_status_json(ChosenServer const& s) {
    json::array features;
    for (auto f : proton::feature_names(s.features)) features.emplace_back(f);
    return json::object{{"name", s.name},         {"country", s.exit_country},
                        {"entry_country", s.entry_country}, {"city", s.city},
                        {"entry_ip", s.entry_ip}, {"features", std::move(features)},
                        {"load", s.load}};
}

json::object server_record(ChosenServer const& s) {
    return json::object{{"name", s.name},         {"entry_country", s.entry_country}, {"exit_country", s.exit_country},
                        {"city", s.city},         {"entry_ip", s.entry_ip},           {"domain", s.domain},
                        {"public_key", s.public_key}, {"features", s.features},       {"load", s.load}};
}

Result<ChosenServer> parse_server_record(json::value const& record) {
    auto bad = [](std::string_view what) { return fail(Errc::internal, "server record: bad " + std::string(what)); };
    auto const* o = record.if_object();
    if (!o) return bad("record");
    ChosenServer s;
    std::array<std::pair<char const*, std::string*>, 7> const texts{{{"name", &s.name},
                                                                     {"entry_country", &s.entry_country},
                                                                     {"exit_country", &s.exit_country},
                                                                     {"city", &s.city},
                                                                     {"entry_ip", &s.entry_ip},
                                                                     {"domain", &s.domain},
                                                                     {"public_key", &s.public_key}}};
    for (auto [key, field] : texts) {
        auto const* v = o->if_contains(key);
        if (!v || !v->is_string()) return bad(key);
        *field = std::string(v->as_string());
    }
    auto const* features = o->if_contains("features");
    auto const* load = o->if_contains("load");
    if (!features || !features->is_number()) return bad("features");
    if (!load || !load->is_number()) return bad("load");
    boost::system::error_code ec;
    s.features = features->to_number<std::uint32_t>(ec);
    if (ec) return bad("features");
    s.load = load->to_number<int>(ec);
    if (ec) return bad("load");
    if (s.name.empty() || s.entry_ip.empty() || s.public_key.empty()) return bad("server");
    return s;
}

} // namespace pvpn::core
