#include "daemon/tunnel/journal.hpp"

#include "common/atomic_file.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <limits>

namespace pvpn::tunnel {
namespace json = boost::json;

namespace {

constexpr std::int64_t format_version = 1;
constexpr std::size_t max_journal = 1 << 20;

char const* route_type_name(net::RouteType type) {
    switch (type) {
    case net::RouteType::unicast: return "unicast";
    case net::RouteType::unreachable: return "unreachable";
    case net::RouteType::blackhole: return "blackhole";
    }
    return "unicast";
}

json::value step_to_json(Step const& step) {
    return std::visit(
        [](auto const& s) -> json::value {
            using T = std::decay_t<decltype(s)>;
            json::object o;
            if constexpr (std::is_same_v<T, DeviceStep>) {
                o["op"] = "device";
                o["ifname"] = s.ifname;
                o["backend"] = s.backend;
                if (s.pid) o["pid"] = *s.pid;
            } else if constexpr (std::is_same_v<T, RouteStep>) {
                o["op"] = "route";
                o["dst"] = s.route.destination.to_string();
                o["dev"] = s.route.device;
                o["table"] = s.route.table;
                o["type"] = route_type_name(s.route.type);
            } else if constexpr (std::is_same_v<T, RuleStep>) {
                o["op"] = "rule";
                o["family"] = s.rule.family == net::Family::ipv4 ? "inet" : "inet6";
                o["priority"] = s.rule.priority;
                if (s.rule.fwmark) o["fwmark"] = *s.rule.fwmark;
                o["invert"] = s.rule.invert;
                o["table"] = s.rule.table;
                if (s.rule.suppress_prefixlength) o["suppress_prefixlength"] = *s.rule.suppress_prefixlength;
            } else {
                o["op"] = "dns";
                o["ifname"] = s.ifname;
                o["backend"] = s.backend;
            }
            return o;
        },
        step);
}

/// Reads fields of one JSON object, remembering the first problem.
class Reader {
public:
    Reader(json::value const& v, std::string what) : what_(std::move(what)) {
        if (auto const* o = v.if_object()) obj_ = o;
        else bad("not an object");
    }
    std::string string(char const* key) {
        auto const* v = find(key);
        if (!v) return {};
        if (auto const* s = v->if_string()) return std::string(*s);
        bad(std::string(key) + " is not a string");
        return {};
    }
    template <class Int>
    Int integer(char const* key) {
        auto v = optional_integer<Int>(key);
        if (!v && error_.empty()) bad(std::string(key) + " is missing");
        return v.value_or(0);
    }
    template <class Int>
    std::optional<Int> optional_integer(char const* key) {
        if (!obj_ || !obj_->contains(key)) return std::nullopt;
        auto const& v = obj_->at(key);
        std::int64_t n = 0;
        if (auto const* i = v.if_int64()) n = *i;
        else if (auto const* u = v.if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX)) n = static_cast<std::int64_t>(*u);
        else {
            bad(std::string(key) + " is not an integer");
            return std::nullopt;
        }
        if (n < static_cast<std::int64_t>(std::numeric_limits<Int>::min()) ||
            static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
            bad(std::string(key) + " is out of range");
            return std::nullopt;
        }
        return static_cast<Int>(n);
    }
    bool boolean(char const* key) {
        auto const* v = find(key);
        if (!v) return false;
        if (auto const* b = v->if_bool()) return *b;
        bad(std::string(key) + " is not a boolean");
        return false;
    }
    json::array const* array(char const* key) {
        auto const* v = find(key);
        if (!v) return nullptr;
        if (auto const* a = v->if_array()) return a;
        bad(std::string(key) + " is not an array");
        return nullptr;
    }
    json::value const* value(char const* key) { return find(key); }
    bool ok() const { return error_.empty(); }
    void bad(std::string why) {
        if (error_.empty()) error_ = what_ + ": " + why;
    }
    std::string const& error() const { return error_; }

private:
    json::value const* find(char const* key) {
        if (!obj_) return nullptr;
        auto const* v = obj_->if_contains(key);
        if (!v) bad(std::string(key) + " is missing");
        return v;
    }
    json::object const* obj_ = nullptr;
    std::string what_;
    std::string error_;
};

Result<Step> step_from_json(json::value const& v) {
    Reader r(v, "journal step");
    std::string op = r.string("op");
    Step step;
    if (op == "device") {
        DeviceStep s{r.string("ifname"), r.string("backend"), std::nullopt};
        if (auto pid = r.optional_integer<int>("pid")) s.pid = pid;
        step = s;
    } else if (op == "route") {
        auto dst = net::IpPrefix::parse(r.string("dst"));
        net::Route route;
        if (dst) route.destination = *dst;
        else r.bad("invalid dst");
        route.device = r.string("dev");
        route.table = r.integer<std::uint32_t>("table");
        std::string type = r.string("type");
        if (type == "unicast") route.type = net::RouteType::unicast;
        else if (type == "unreachable") route.type = net::RouteType::unreachable;
        else if (type == "blackhole") route.type = net::RouteType::blackhole;
        else r.bad("unknown route type");
        step = RouteStep{route};
    } else if (op == "rule") {
        net::Rule rule;
        std::string family = r.string("family");
        if (family == "inet") rule.family = net::Family::ipv4;
        else if (family == "inet6") rule.family = net::Family::ipv6;
        else r.bad("unknown family");
        rule.priority = r.integer<std::uint32_t>("priority");
        rule.fwmark = r.optional_integer<std::uint32_t>("fwmark");
        rule.invert = r.boolean("invert");
        rule.table = r.integer<std::uint32_t>("table");
        rule.suppress_prefixlength = r.optional_integer<std::uint8_t>("suppress_prefixlength");
        step = RuleStep{rule};
    } else if (op == "dns") {
        step = DnsStep{r.string("ifname"), r.string("backend")};
    } else if (r.ok()) {
        r.bad("unknown op \"" + op.substr(0, 32) + "\"");
    }
    if (!r.ok()) return fail(Errc::internal, r.error());
    return step;
}

} // namespace

std::string journal_to_json(Journal const& journal) {
    json::object info;
    info["ifname"] = journal.info.ifname;
    info["peer_public_key"] = journal.info.peer_public_key;
    info["endpoint"] = journal.info.endpoint;
    info["address"] = journal.info.address;
    info["gateway"] = journal.info.gateway;
    json::array dns;
    for (auto const& s : journal.info.dns_servers) dns.emplace_back(s);
    info["dns"] = std::move(dns);
    info["fwmark"] = journal.info.fwmark;
    info["table"] = journal.info.table;
    info["keepalive"] = journal.info.keepalive;

    json::array steps;
    for (auto const& s : journal.steps) steps.push_back(step_to_json(s));
    json::object root;
    root["version"] = format_version;
    root["tunnel"] = std::move(info);
    root["steps"] = std::move(steps);
    return json::serialize(root) + "\n";
}

Result<Journal> journal_from_json(std::string_view text) {
    boost::system::error_code ec;
    json::value root = json::parse(text, ec);
    if (ec) return fail(Errc::internal, "the tunnel journal is not valid JSON: " + ec.message());
    Reader r(root, "tunnel journal");
    if (r.integer<std::int64_t>("version") != format_version && r.ok()) r.bad("unknown version");
    Journal journal;
    if (auto const* info = r.value("tunnel")) {
        Reader i(*info, "tunnel journal");
        journal.info.ifname = i.string("ifname");
        journal.info.peer_public_key = i.string("peer_public_key");
        journal.info.endpoint = i.string("endpoint");
        journal.info.address = i.string("address");
        journal.info.gateway = i.string("gateway");
        if (auto const* dns = i.array("dns"))
            for (auto const& d : *dns) {
                if (auto const* s = d.if_string()) journal.info.dns_servers.emplace_back(*s);
                else i.bad("a DNS server is not a string");
            }
        journal.info.fwmark = i.integer<std::uint32_t>("fwmark");
        journal.info.table = i.integer<std::uint32_t>("table");
        journal.info.keepalive = i.integer<std::uint16_t>("keepalive");
        if (!i.ok()) return fail(Errc::internal, i.error());
    }
    if (auto const* steps = r.array("steps")) {
        for (auto const& s : *steps) {
            auto step = step_from_json(s);
            if (!step) return step.error();
            journal.steps.push_back(std::move(*step));
        }
    }
    if (!r.ok()) return fail(Errc::internal, r.error());
    return journal;
}

Result<void> save_journal(std::filesystem::path const& path, Journal const& journal) {
    return write_file_atomic(path, journal_to_json(journal), 0600);
}

Result<std::optional<Journal>> load_journal(std::filesystem::path const& path) {
    auto text = read_file_if_exists(path, max_journal);
    if (!text) return text.error();
    if (!*text) return std::optional<Journal>{};
    auto journal = journal_from_json(**text);
    if (!journal) return fail(Errc::internal, path.string() + ": " + journal.error().message);
    return std::optional<Journal>{std::move(*journal)};
}

Result<void> remove_journal(std::filesystem::path const& path) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) return fail(Errc::internal, "cannot remove " + path.string() + ": " + ec.message());
    return {};
}

} // namespace pvpn::tunnel
