#include "daemon/proton/api_parse.hpp"

#include "common/base64.hpp"

#include <boost/json.hpp>

#include <arpa/inet.h>

#include <cmath>
#include <limits>

namespace pvpn::proton {
namespace json = boost::json;
namespace {

/// Thrown inside this file only; every public parser turns it into Errc::api_error.
struct BadReply {
    std::string what;
};

[[noreturn]] void bad(std::string const& path, std::string_view problem) {
    throw BadReply{path + " " + std::string(problem)};
}

std::string join(std::string const& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string at_index(std::string const& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

/// A JSON object with the path it was found at, for error messages.
class Obj {
public:
    Obj(json::object const& o, std::string path) : o_(o), path_(std::move(path)) {}

    static Obj of(json::value const& v, std::string path) {
        if (!v.is_object()) bad(path.empty() ? "the reply" : path, "is not an object");
        return Obj(v.as_object(), std::move(path));
    }

    std::string path(std::string_view key) const { return join(path_, key); }

    /// The value, or nullptr when absent or null.
    json::value const* find(std::string_view key) const {
        auto it = o_.find(key);
        if (it == o_.end() || it->value().is_null()) return nullptr;
        return &it->value();
    }

    json::value const& need(std::string_view key) const {
        auto const* v = find(key);
        if (!v) bad(path(key), "is missing");
        return *v;
    }

    std::string str(std::string_view key) const {
        auto const& v = need(key);
        if (!v.is_string()) bad(path(key), "is not a string");
        return std::string(v.as_string());
    }

    std::string opt_str(std::string_view key) const {
        auto const* v = find(key);
        if (!v) return {};
        if (!v->is_string()) bad(path(key), "is not a string");
        return std::string(v->as_string());
    }

    std::int64_t integer(std::string_view key, std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                         std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const {
        return as_integer(need(key), path(key), lo, hi);
    }

    std::optional<std::int64_t> opt_integer(std::string_view key,
                                            std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                            std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const {
        auto const* v = find(key);
        if (!v) return std::nullopt;
        return as_integer(*v, path(key), lo, hi);
    }

    double number(std::string_view key) const {
        auto const& v = need(key);
        double d = 0;
        if (v.is_double()) d = v.get_double();
        else if (v.is_int64()) d = static_cast<double>(v.get_int64());
        else if (v.is_uint64()) d = static_cast<double>(v.get_uint64());
        else bad(path(key), "is not a number");
        if (!std::isfinite(d)) bad(path(key), "is not finite");
        return d;
    }

    std::optional<bool> opt_bool(std::string_view key) const {
        auto const* v = find(key);
        if (!v) return std::nullopt;
        if (!v->is_bool()) bad(path(key), "is not a boolean");
        return v->get_bool();
    }

    json::array const& array(std::string_view key) const {
        auto const& v = need(key);
        if (!v.is_array()) bad(path(key), "is not an array");
        return v.as_array();
    }

    std::optional<Obj> opt_obj(std::string_view key) const {
        auto const* v = find(key);
        if (!v) return std::nullopt;
        return Obj::of(*v, path(key));
    }

    Obj obj(std::string_view key) const { return Obj::of(need(key), path(key)); }

    /// Proton's "Code" must be 1000 (or 1001, several results) when present.
    void check_code() const {
        auto code = opt_integer("Code");
        if (code && *code != 1000 && *code != 1001) bad(path("Code"), "is " + std::to_string(*code) + ", not 1000");
    }

private:
    static std::int64_t as_integer(json::value const& v, std::string const& path, std::int64_t lo, std::int64_t hi) {
        std::int64_t n = 0;
        if (v.is_int64()) n = v.get_int64();
        else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            n = static_cast<std::int64_t>(v.get_uint64());
        else bad(path, "is not an integer");
        if (n < lo || n > hi) bad(path, "is out of range");
        return n;
    }

    json::object const& o_;
    std::string path_;
};

constexpr int int_max = std::numeric_limits<int>::max();
constexpr int int_min = std::numeric_limits<int>::min();

int to_int(std::int64_t v) { return static_cast<int>(v); }

std::vector<std::string> string_list(json::array const& a, std::string const& path) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) bad(at_index(path, i), "is not a string");
        out.emplace_back(a[i].as_string());
    }
    return out;
}

/// "Scopes" (list) or "Scope" (space-separated), whichever is there.
std::vector<std::string> scopes_of(Obj const& o) {
    if (o.find("Scopes")) return string_list(o.array("Scopes"), o.path("Scopes"));
    std::vector<std::string> out;
    std::string const text = o.opt_str("Scope");
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        if (end > pos) out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

/// JSON strings may hold NUL bytes, and inet_pton() stops at the first one:
/// "1.2.3.4\u0000junk" is not an address.
bool is_ipv4(std::string const& text) {
    in_addr addr{};
    return text.find('\0') == std::string::npos && ::inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

/// A WireGuard key exactly as the tunnel will decode it: base64 of 32 bytes
/// (44 characters whose last data character has no stray low bits).
bool is_wg_key(std::string_view key) {
    auto raw = base64_decode(key);
    return raw && raw->size() == 32;
}

std::string upper(std::string text) {
    for (auto& c : text)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return text;
}

PhysicalServer parse_physical(Obj const& p) {
    PhysicalServer out;
    out.id = p.opt_str("ID");
    out.entry_ip = p.str("EntryIP");
    out.exit_ip = p.opt_str("ExitIP");
    out.domain = p.opt_str("Domain");
    out.label = p.opt_str("Label");
    out.x25519_public_key = p.opt_str("X25519PublicKey");
    out.enabled = p.integer("Status") == 1;
    if (auto per = p.opt_obj("EntryPerProtocol")) {
        if (auto wg = per->opt_obj("WireGuardUDP")) {
            std::string ip = wg->opt_str("IPv4");
            if (!ip.empty()) out.entry_ip = std::move(ip);
        }
    }
    if (!is_ipv4(out.entry_ip)) out.entry_ip.clear();
    if (!is_wg_key(out.x25519_public_key)) out.x25519_public_key.clear();
    return out;
}

ServerList logicals_of(Obj const& o) {
    ServerList out;
    auto const& logicals = o.array("LogicalServers");
    out.logicals.reserve(logicals.size());
    out.physicals.reserve(logicals.size() * 2);
    for (std::size_t i = 0; i < logicals.size(); ++i) {
        Obj l = Obj::of(logicals[i], at_index("LogicalServers", i));
        LogicalServer s;
        s.id = l.str("ID");
        s.name = l.str("Name");
        s.entry_country = upper(l.str("EntryCountry"));
        s.exit_country = upper(l.str("ExitCountry"));
        s.city = l.opt_str("City");
        s.tier = to_int(l.integer("Tier", 0, 100));
        s.features = static_cast<std::uint32_t>(l.integer("Features", 0, 0xffffffff));
        s.status = to_int(l.integer("Status", int_min, int_max));
        s.load = to_int(l.opt_integer("Load", 0, 100).value_or(0));
        s.score = l.find("Score") ? l.number("Score") : 0.0;
        s.first_physical = static_cast<std::uint32_t>(out.physicals.size());
        auto const& servers = l.array("Servers");
        std::string const spath = l.path("Servers");
        for (std::size_t j = 0; j < servers.size(); ++j)
            out.physicals.push_back(parse_physical(Obj::of(servers[j], at_index(spath, j))));
        s.physical_count = static_cast<std::uint32_t>(servers.size());
        out.logicals.push_back(std::move(s));
    }
    return out;
}

json::value parse_json(std::string_view body, json::storage_ptr sp = {}) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 16;
    auto v = json::parse(body, ec, std::move(sp), opts);
    if (ec) throw BadReply{"the reply is not valid JSON (" + ec.message() + ")"};
    return v;
}

/// Runs `parse` over the body as an object; BadReply and allocation failures become api_error.
template <class T, class F>
Result<T> parse_reply(std::string_view body, F&& parse) {
    try {
        json::monotonic_resource mr;
        json::value v = parse_json(body, &mr);
        Obj o = Obj::of(v, "");
        o.check_code();
        return parse(o);
    } catch (BadReply const& e) {
        return fail(Errc::api_error, "unexpected reply from Proton: " + e.what);
    } catch (std::bad_alloc const&) {
        return fail(Errc::api_error, "unexpected reply from Proton: too large");
    }
}

} // namespace

Result<AuthInfo> parse_auth_info(std::string_view body) {
    return parse_reply<AuthInfo>(body, [](Obj const& o) {
        AuthInfo out;
        out.version = to_int(o.integer("Version", 0, 100));
        out.modulus = o.str("Modulus");
        out.server_ephemeral = o.str("ServerEphemeral");
        out.salt = o.str("Salt");
        out.srp_session = o.str("SRPSession");
        return out;
    });
}

Result<AuthReply> parse_auth(std::string_view body) {
    return parse_reply<AuthReply>(body, [](Obj const& o) {
        AuthReply out;
        out.tokens.uid = o.str("UID");
        out.tokens.access_token = o.str("AccessToken");
        out.tokens.refresh_token = o.str("RefreshToken");
        out.tokens.expires_in = o.opt_integer("ExpiresIn", 0, std::int64_t{1} << 40).value_or(0);
        out.tokens.scopes = scopes_of(o);
        out.server_proof = o.str("ServerProof");
        out.password_mode = to_int(o.opt_integer("PasswordMode", 0, 10).value_or(1));
        if (auto twofa = o.opt_obj("2FA")) out.twofa_enabled = to_int(twofa->opt_integer("Enabled", 0, 255).value_or(0));
        else if (auto legacy = o.opt_integer("TwoFactor", 0, 255)) out.twofa_enabled = to_int(*legacy);
        return out;
    });
}

Result<std::vector<std::string>> parse_twofa(std::string_view body) {
    return parse_reply<std::vector<std::string>>(body, [](Obj const& o) { return scopes_of(o); });
}

Result<Tokens> parse_refresh(std::string_view body) {
    return parse_reply<Tokens>(body, [](Obj const& o) {
        Tokens out;
        out.uid = o.opt_str("UID");
        out.access_token = o.str("AccessToken");
        out.refresh_token = o.str("RefreshToken");
        out.expires_in = o.opt_integer("ExpiresIn", 0, std::int64_t{1} << 40).value_or(0);
        out.scopes = scopes_of(o);
        return out;
    });
}

Result<VpnInfo> parse_vpn_info(std::string_view body) {
    return parse_reply<VpnInfo>(body, [](Obj const& o) {
        VpnInfo out;
        Obj vpn = o.obj("VPN");
        out.max_tier = to_int(vpn.opt_integer("MaxTier", 0, 100).value_or(0));
        out.max_connect = to_int(vpn.opt_integer("MaxConnect", 0, 100000).value_or(0));
        out.status = to_int(vpn.opt_integer("Status", int_min, int_max).value_or(0));
        out.plan_name = vpn.opt_str("PlanName");
        out.plan_title = vpn.opt_str("PlanTitle");
        out.delinquent = o.opt_integer("Delinquent", int_min, int_max).value_or(0) > 2;
        return out;
    });
}

Result<ClientConfig> parse_client_config(std::string_view body) {
    return parse_reply<ClientConfig>(body, [](Obj const& o) {
        ClientConfig out;
        if (auto ports = o.opt_obj("DefaultPorts")) {
            if (auto wg = ports->opt_obj("WireGuard")) {
                if (wg->find("UDP")) {
                    auto const& udp = wg->array("UDP");
                    std::string const path = wg->path("UDP");
                    for (std::size_t i = 0; i < udp.size(); ++i) {
                        auto const& v = udp[i];
                        if (!v.is_int64() || v.get_int64() < 1 || v.get_int64() > 65535)
                            bad(at_index(path, i), "is not a port number");
                        out.wireguard_udp_ports.push_back(static_cast<std::uint16_t>(v.get_int64()));
                    }
                }
            }
        }
        out.server_refresh_minutes = o.opt_integer("ServerRefreshInterval", 0, 1000000).value_or(0);
        if (auto flags = o.opt_obj("FeatureFlags")) out.port_forwarding = flags->opt_bool("PortForwarding").value_or(true);
        return out;
    });
}

Result<ServerList> parse_logicals(std::string_view body) {
    return parse_reply<ServerList>(body, [](Obj const& o) { return logicals_of(o); });
}

Result<ServerCache> parse_server_cache(std::string_view body) {
    return parse_reply<ServerCache>(body, [](Obj const& o) {
        ServerCache out;
        out.fetched_at = o.integer("FetchedAt");
        out.loads_fetched_at = o.opt_integer("LoadsFetchedAt").value_or(out.fetched_at);
        out.last_modified = o.opt_str("LastModified");
        out.max_tier = to_int(o.opt_integer("MaxTier", 0, 100).value_or(0));
        out.servers = logicals_of(o);
        return out;
    });
}

Result<std::vector<LoadUpdate>> parse_loads(std::string_view body) {
    return parse_reply<std::vector<LoadUpdate>>(body, [](Obj const& o) {
        std::vector<LoadUpdate> out;
        auto const& items = o.array("LogicalServers");
        out.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            Obj l = Obj::of(items[i], at_index("LogicalServers", i));
            LoadUpdate u;
            u.id = l.str("ID");
            u.load = to_int(l.integer("Load", 0, 100));
            u.score = l.number("Score");
            u.status = to_int(l.integer("Status", int_min, int_max));
            out.push_back(std::move(u));
        }
        return out;
    });
}

Result<CertificateReply> parse_certificate(std::string_view body) {
    return parse_reply<CertificateReply>(body, [](Obj const& o) {
        CertificateReply out;
        auto const& serial = o.need("SerialNumber");
        if (serial.is_string()) out.serial_number = std::string(serial.as_string());
        else out.serial_number = std::to_string(o.integer("SerialNumber"));
        out.client_key_fingerprint = o.opt_str("ClientKeyFingerprint");
        out.certificate_pem = o.str("Certificate");
        out.expiration_time = o.integer("ExpirationTime", 0);
        out.refresh_time = o.integer("RefreshTime", 0);
        out.mode = o.opt_str("Mode");
        return out;
    });
}

std::optional<ErrorBody> parse_error_body(std::string_view body) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = 16;
    json::value v = json::parse(body, ec, {}, opts);
    if (ec || !v.is_object()) return std::nullopt;
    auto const& o = v.as_object();
    ErrorBody out;
    if (auto const* code = o.if_contains("Code"); code && code->is_int64() && code->get_int64() >= int_min &&
                                                  code->get_int64() <= int_max)
        out.code = static_cast<int>(code->get_int64());
    if (auto const* msg = o.if_contains("Error"); msg && msg->is_string()) out.message = msg->as_string();
    if (auto const* details = o.if_contains("Details"); details && details->is_object()) {
        auto const& d = details->as_object();
        if (auto const* t = d.if_contains("HumanVerificationToken"); t && t->is_string()) out.hv_token = t->as_string();
        if (auto const* m = d.if_contains("HumanVerificationMethods"); m && m->is_array())
            for (auto const& item : m->as_array())
                if (item.is_string()) out.hv_methods.emplace_back(item.as_string());
    }
    return out;
}

} // namespace pvpn::proton
