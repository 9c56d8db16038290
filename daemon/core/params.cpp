#include "daemon/core/params.hpp"

#include "proto/validate.hpp"

#include <initializer_list>

namespace pvpn::core {
namespace json = boost::json;

namespace {

Error bad(std::string_view key, std::string_view rule) {
    return fail(Errc::invalid_params, "parameter \"" + std::string(key) + "\" " + std::string(rule));
}

Result<void> only_known(json::object const& params, std::initializer_list<std::string_view> known) {
    for (auto const& kv : params) {
        bool ok = false;
        for (auto k : known) ok = ok || kv.key() == k;
        if (!ok) return fail(Errc::invalid_params, "unknown parameter \"" + std::string(kv.key()) + "\"");
    }
    return {};
}

Result<std::optional<bool>> get_bool(json::object const& p, std::string_view key) {
    auto const* v = p.if_contains(key);
    if (!v || v->is_null()) return std::optional<bool>{};
    if (!v->is_bool()) return bad(key, "must be true or false");
    return std::optional<bool>(v->as_bool());
}

Result<std::optional<int>> get_int(json::object const& p, std::string_view key, int lo, int hi) {
    auto const* v = p.if_contains(key);
    if (!v || v->is_null()) return std::optional<int>{};
    if (!v->is_int64() && !v->is_uint64()) return bad(key, "must be an integer");
    auto n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), 1u << 31));
    if (n < lo || n > hi) return bad(key, "must be " + std::to_string(lo) + ".." + std::to_string(hi));
    return std::optional<int>(static_cast<int>(n));
}

Result<std::optional<std::string>> get_string(json::object const& p, std::string_view key) {
    auto const* v = p.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string()) return bad(key, "must be a string");
    return std::optional<std::string>(std::string(v->as_string()));
}

Result<Selection> selection_of(json::object const& p, Config const& config) {
    Selection s;
    s.fastest = config.network.fastest_default;
    s.threshold = config.network.threshold_default;
    auto cc = get_string(p, "cc");
    if (!cc) return cc.error();
    if (*cc) {
        auto norm = proto::normalize_country(**cc);
        if (!norm) return bad("cc", "must be a two-letter country code");
        s.cc = *norm;
    }
    auto sc = get_bool(p, "sc");
    if (!sc) return sc.error();
    s.sc = sc->value_or(false);
    auto p2p = get_bool(p, "p2p");
    if (!p2p) return p2p.error();
    s.p2p = p2p->value_or(false);
    auto fastest = get_string(p, "fastest");
    if (!fastest) return fastest.error();
    if (*fastest) {
        if (!proto::valid_fastest(**fastest)) return bad("fastest", "must be \"ping\" or \"api\"");
        s.fastest = **fastest == "api" ? Fastest::api : Fastest::ping;
    }
    auto threshold = get_int(p, "threshold", 1, 100);
    if (!threshold) return threshold.error();
    if (*threshold) s.threshold = **threshold;
    return s;
}

} // namespace

Result<ConnectParams> parse_connect_params(json::object const& p, Config const& config) {
    if (auto r = only_known(p, {"cc", "sc", "p2p", "fastest", "threshold", "latency_cutoff", "dns", "ks", "twofa",
                                "hv_token"});
        !r)
        return r.error();
    ConnectParams c;
    auto sel = selection_of(p, config);
    if (!sel) return sel.error();
    c.selection = *sel;
    auto cutoff = get_int(p, "latency_cutoff", 1, 10000);
    if (!cutoff) return cutoff.error();
    c.selection.latency_cutoff_ms = *cutoff;
    auto dns = get_bool(p, "dns");
    if (!dns) return dns.error();
    c.dns = dns->value_or(config.network.dns_default);
    auto ks = get_bool(p, "ks");
    if (!ks) return ks.error();
    c.ks = ks->value_or(config.network.ks_default);
    auto twofa = get_string(p, "twofa");
    if (!twofa) return twofa.error();
    if (*twofa) {
        if (twofa->value().size() != 6 || !proto::parse_int_in(**twofa, 0, 999999))
            return bad("twofa", "must be the 6-digit code of the authenticator app");
        c.twofa = **twofa;
    }
    auto hv = get_string(p, "hv_token");
    if (!hv) return hv.error();
    if (*hv) {
        if (hv->value().empty() || hv->value().size() > 4096) return bad("hv_token", "must be a non-empty token");
        c.hv_token = **hv;
    }
    return c;
}

Result<Selection> parse_list_params(json::object const& p, Config const& config) {
    if (auto r = only_known(p, {"cc", "sc", "p2p", "fastest", "threshold"}); !r) return r.error();
    auto sel = selection_of(p, config);
    if (!sel) return sel.error();
    // Listing without --fastest sorts by Proton's score: probing thousands of
    // servers only because the config prefers ping for connect would be slow.
    if (!p.contains("fastest")) sel->fastest = Fastest::api;
    return sel;
}

Result<DisconnectParams> parse_disconnect_params(json::object const& p) {
    if (auto r = only_known(p, {"ks"}); !r) return r.error();
    auto ks = get_bool(p, "ks");
    if (!ks) return ks.error();
    return DisconnectParams{*ks};
}

json::object to_json(ConnectParams const& c) {
    json::object o;
    if (!c.selection.cc.empty()) o["cc"] = c.selection.cc;
    o["sc"] = c.selection.sc;
    o["p2p"] = c.selection.p2p;
    o["fastest"] = c.selection.fastest == Fastest::api ? "api" : "ping";
    o["threshold"] = c.selection.threshold;
    if (c.selection.latency_cutoff_ms) o["latency_cutoff"] = *c.selection.latency_cutoff_ms;
    o["dns"] = c.dns;
    o["ks"] = c.ks;
    return o;
}

} // namespace pvpn::core
