#include "daemon/proton/servers.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace pvpn::proton {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string count_of(std::size_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

/// The filter stages, in the order the "no server matches" message tells them.
enum Stage : std::size_t { country, kind, p2p, tier, online, load, passed };

Stage first_failing(ServerList const& list, LogicalServer const& s, ServerFilter const& f, std::string_view cc) {
    if (!cc.empty() && s.exit_country != cc) return country;
    if (s.has(feature::secure_core) != f.secure_core || s.has(feature::tor) != f.tor) return kind;
    if (f.p2p && !s.has(feature::p2p)) return p2p;
    if (s.tier > f.max_tier) return tier;
    if (!list.online(s)) return online;
    if (f.max_load && s.load > *f.max_load) return load;
    return passed;
}

std::string kind_label(ServerFilter const& f) {
    if (f.secure_core && f.tor) return "Secure Core and Tor";
    if (f.secure_core) return "Secure Core";
    if (f.tor) return "Tor";
    return "";
}

/// Builds "no server matches: ..." from the survivors after each stage.
std::string no_match_message(ServerFilter const& f, std::string_view cc, std::size_t total,
                             std::array<std::size_t, passed> const& left) {
    std::vector<std::string> parts;
    auto add = [&](std::size_t n, std::string some, std::string none) {
        parts.push_back(n == 0 ? std::move(none) : std::to_string(n) + " " + some);
        return n == 0;
    };
    if (total == 0) return "no server matches: the server list is empty";
    if (!cc.empty()) {
        if (add(left[country], std::string(left[country] == 1 ? "server" : "servers") + " in " + std::string(cc),
                "no server in " + std::string(cc)))
            return "no server matches: " + parts.back();
    } else {
        parts.push_back(count_of(total, "server"));
    }
    std::string const k = kind_label(f);
    bool stop = false;
    if (!k.empty())
        stop = add(left[kind], "of them " + k, "none " + k);
    else if (left[kind] != left[country])
        stop = add(left[kind], "of them not Secure Core or Tor", "none outside Secure Core and Tor (try --sc)");
    if (!stop && f.p2p) stop = add(left[p2p], "of them P2P", "none P2P");
    if (!stop && left[tier] != left[p2p])
        stop = add(left[tier], "of them on your plan",
                   "none on your plan (tier " + std::to_string(f.max_tier) + " or lower)");
    if (!stop && left[online] != left[tier])
        stop = add(left[online], "of them online", "none online (the rest are in maintenance)");
    if (!stop && f.max_load) {
        std::string const bound = "load ≤ " + std::to_string(*f.max_load) + "%";
        add(left[load], "with " + bound, "none with " + bound);
    }
    std::string out = "no server matches: ";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
    return out;
}

} // namespace

std::span<PhysicalServer const> ServerList::physicals_of(LogicalServer const& logical) const {
    if (logical.first_physical > physicals.size() ||
        logical.physical_count > physicals.size() - logical.first_physical)
        return {};
    return std::span<PhysicalServer const>(physicals).subspan(logical.first_physical, logical.physical_count);
}

bool ServerList::online(LogicalServer const& logical) const {
    if (logical.status != 1) return false;
    auto phys = physicals_of(logical);
    return std::any_of(phys.begin(), phys.end(), [](PhysicalServer const& p) { return p.usable(); });
}

std::size_t ServerList::apply_loads(std::span<LoadUpdate const> updates) {
    std::unordered_map<std::string_view, std::size_t> by_id;
    by_id.reserve(logicals.size());
    for (std::size_t i = 0; i < logicals.size(); ++i) by_id.emplace(logicals[i].id, i);
    std::size_t updated = 0;
    for (auto const& u : updates) {
        auto it = by_id.find(u.id);
        if (it == by_id.end()) continue;
        auto& s = logicals[it->second];
        s.load = u.load;
        s.score = u.score;
        s.status = u.status;
        ++updated;
    }
    return updated;
}

LogicalServer const* ServerList::find(std::string_view name) const {
    for (auto const& s : logicals)
        if (iequals(s.name, name)) return &s;
    return nullptr;
}

Result<std::vector<std::uint32_t>> select_servers(ServerList const& list, ServerFilter const& filter) {
    std::string const cc = upper(filter.country);
    if (!cc.empty() && (cc.size() != 2 || !std::all_of(cc.begin(), cc.end(), [](char c) { return c >= 'A' && c <= 'Z'; })))
        return fail(Errc::invalid_params, "country must be a 2-letter code such as CH, got '" + filter.country + "'");
    if (filter.max_load && (*filter.max_load < 0 || *filter.max_load > 100))
        return fail(Errc::invalid_params, "threshold must be 1..100");

    std::array<std::size_t, passed + 1> failed{};
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < list.logicals.size(); ++i) {
        Stage stage = first_failing(list, list.logicals[i], filter, cc);
        ++failed[stage];
        if (stage == passed) out.push_back(static_cast<std::uint32_t>(i));
    }
    if (out.empty()) {
        std::array<std::size_t, passed> left{};
        std::size_t remaining = list.logicals.size();
        for (std::size_t s = 0; s < passed; ++s) {
            remaining -= failed[s];
            left[s] = remaining;
        }
        return fail(Errc::no_server, no_match_message(filter, cc, list.logicals.size(), left));
    }
    auto const& ls = list.logicals;
    std::sort(out.begin(), out.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (ls[a].score != ls[b].score) return ls[a].score < ls[b].score;
        if (ls[a].load != ls[b].load) return ls[a].load < ls[b].load;
        return ls[a].name < ls[b].name;
    });
    return out;
}

std::vector<std::uint32_t> rank_by_rtt(std::span<std::uint32_t const> by_score,
                                       std::span<std::optional<std::chrono::microseconds> const> rtt) {
    std::vector<std::size_t> pos(by_score.size());
    std::iota(pos.begin(), pos.end(), std::size_t{0});
    auto rtt_of = [&](std::size_t i) { return i < rtt.size() ? rtt[i] : std::nullopt; };
    std::stable_sort(pos.begin(), pos.end(), [&](std::size_t a, std::size_t b) {
        auto ra = rtt_of(a), rb = rtt_of(b);
        if (ra && rb) return *ra < *rb;
        return ra.has_value() && !rb.has_value();
    });
    std::vector<std::uint32_t> out;
    out.reserve(pos.size());
    for (auto i : pos) out.push_back(by_score[i]);
    return out;
}

std::string_view probe_address(ServerList const& list, LogicalServer const& logical) {
    for (auto const& p : list.physicals_of(logical))
        if (p.usable()) return p.entry_ip;
    return {};
}

PhysicalServer const* pick_physical(ServerList const& list, LogicalServer const& logical, std::mt19937& rng) {
    std::vector<PhysicalServer const*> usable;
    for (auto const& p : list.physicals_of(logical))
        if (p.usable()) usable.push_back(&p);
    if (usable.empty()) return nullptr;
    std::uniform_int_distribution<std::size_t> pick(0, usable.size() - 1);
    return usable[pick(rng)];
}

namespace {
constexpr std::array<std::pair<std::uint32_t, std::string_view>, 5> feature_table{{
    {feature::secure_core, "sc"},
    {feature::tor, "tor"},
    {feature::p2p, "p2p"},
    {feature::streaming, "streaming"},
    {feature::ipv6, "ipv6"},
}};
} // namespace

std::vector<std::string_view> feature_names(std::uint32_t features) {
    std::vector<std::string_view> out;
    for (auto const& [bit, name] : feature_table)
        if (features & bit) out.push_back(name);
    return out;
}

boost::json::object server_json(LogicalServer const& logical, std::optional<std::chrono::microseconds> rtt,
                                boost::json::storage_ptr storage) {
    boost::json::object o(9, storage);
    o.emplace("name", logical.name);
    o.emplace("country", logical.exit_country);
    o.emplace("entry_country", logical.entry_country);
    o.emplace("city", logical.city);
    o.emplace("load", logical.load);
    o.emplace("score", logical.score);
    o.emplace("tier", logical.tier);
    boost::json::array features(storage);
    for (auto const& [bit, name] : feature_table)
        if (logical.features & bit) features.emplace_back(name);
    o.emplace("features", std::move(features));
    if (rtt) o.emplace("latency_ms", std::round(static_cast<double>(rtt->count()) / 100.0) / 10.0);
    return o;
}

} // namespace pvpn::proton
