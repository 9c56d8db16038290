#include "daemon/core/config.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "proto/validate.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>

namespace pvpn::core {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::array<std::string_view, 5> sections{"protonvpn", "qbittorrent", "network", "monitor", "service"};

constexpr std::array<KeySpec, 30> schema{{
    {.section = "protonvpn", .key = "user", .type = KeyType::string,
     .description = "Proton account user name or e-mail address"},
    {.section = "protonvpn", .key = "pass", .type = KeyType::string, .secret = true,
     .description = "Proton account password"},
    {.section = "protonvpn", .key = "2fa", .type = KeyType::string, .secret = true,
     .description = "one-time 2FA (TOTP) code: used at the next login, then cleared"},
    {.section = "protonvpn", .key = "wireguard_port", .type = KeyType::port, .default_value = "51820",
     .description = "UDP port of the servers' WireGuard endpoint"},
    {.section = "protonvpn", .key = "session_dir", .type = KeyType::path, .defaults_to_config_dir = true,
     .description = "directory for the Proton session tokens (default: the config dir)"},
    {.section = "protonvpn", .key = "api_url", .type = KeyType::url, .default_value = "https://vpn-api.proton.me",
     .description = "base URL of the Proton VPN API"},
    {.section = "protonvpn", .key = "api_ca_file", .type = KeyType::path,
     .description = "PEM file of CAs to trust for the API (default: the system CAs)"},
    {.section = "protonvpn", .key = "srp_modulus_key", .type = KeyType::path,
     .description = "OpenPGP key file that signs the SRP modulus (default: Proton's pinned key)"},
    {.section = "protonvpn", .key = "natpmp_renew", .type = KeyType::integer, .default_value = "45", .min = 1,
     .max = 3600, .description = "seconds between NAT-PMP renewals of the forwarded port (lease: 60 s)"},
    {.section = "protonvpn", .key = "agent_ca_file", .type = KeyType::path,
     .description = "PEM file of the CA that signs the servers' local agent certificates (default: Proton's root "
                    "CA, built in)"},
    {.section = "protonvpn", .key = "netshield", .type = KeyType::integer, .min = 0, .max = 2,
     .description = "NetShield level for the local agent: 0 off, 1 malware, 2 malware, ads and trackers "
                    "(default: the server's)"},
    {.section = "protonvpn", .key = "moderate_nat", .type = KeyType::boolean,
     .description = "ask the local agent for Moderate NAT (default: the server's)"},
    {.section = "protonvpn", .key = "vpn_accelerator", .type = KeyType::boolean,
     .description = "ask the local agent for VPN Accelerator (default: the server's)"},

    {.section = "qbittorrent", .key = "enable", .type = KeyType::boolean, .default_value = "true",
     .description = "set qBittorrent's listen port through its WebUI API"},
    {.section = "qbittorrent", .key = "url", .type = KeyType::url, .default_value = "http://127.0.0.1:8080",
     .description = "address of the qBittorrent WebUI"},
    {.section = "qbittorrent", .key = "user", .type = KeyType::string,
     .description = "qBittorrent WebUI user name"},
    {.section = "qbittorrent", .key = "pass", .type = KeyType::string, .secret = true,
     .description = "qBittorrent WebUI password"},
    {.section = "qbittorrent", .key = "port", .type = KeyType::port, .default_value = "6881",
     .description = "listen port to set while no forwarded port is known"},
    {.section = "qbittorrent", .key = "bind_interface", .type = KeyType::boolean, .default_value = "false",
     .description = "also bind qBittorrent to the VPN interface"},

    {.section = "network", .key = "ks_default", .type = KeyType::boolean, .default_value = "false",
     .description = "turn the kill-switch on at connect when --ks is not given"},
    {.section = "network", .key = "dns_default", .type = KeyType::boolean, .default_value = "true",
     .description = "use Proton's DNS while connected when --dns is not given"},
    {.section = "network", .key = "threshold_default", .type = KeyType::integer, .default_value = "60",
     .min = 1, .max = 100, .description = "highest server load in % when --threshold is not given"},
    {.section = "network", .key = "allow_lan", .type = KeyType::boolean, .default_value = "true",
     .description = "let the kill-switch pass traffic to the local network"},
    {.section = "network", .key = "fastest_default", .type = KeyType::fastest, .default_value = "ping",
     .description = "how to find the fastest server when --fastest is not given: ping or api"},

    {.section = "monitor", .key = "interval", .type = KeyType::integer, .default_value = "60",
     .min = 1, .max = 86400, .description = "seconds between checks of the connected server"},
    {.section = "monitor", .key = "failures", .type = KeyType::integer, .default_value = "3",
     .min = 1, .max = 1000, .description = "consecutive bad checks before reconnecting to another server"},
    {.section = "monitor", .key = "latency_threshold", .type = KeyType::integer, .default_value = "500",
     .min = 1, .max = 60000, .description = "round-trip time in ms above which a check counts as bad"},
    {.section = "monitor", .key = "backoff_max", .type = KeyType::integer, .default_value = "300",
     .min = 1, .max = 86400, .description = "longest wait in seconds between reconnect rounds when no server answers"},

    {.section = "service", .key = "autoconnect", .type = KeyType::boolean, .default_value = "false",
     .description = "connect when pvpnd starts (with the systemd service: at boot)"},
    {.section = "service", .key = "resume", .type = KeyType::boolean, .default_value = "true",
     .description = "a restarted pvpnd resumes the connection it had"},
}};

constexpr std::size_t max_text_value = 1024;

bool is_known_section(std::string_view section) {
    return std::find(sections.begin(), sections.end(), section) != sections.end();
}

std::string key_id(KeySpec const& spec) { return std::string(spec.section) + "." + std::string(spec.key); }

/// "[network] threshold_default = 300", or "[protonvpn] pass" for a secret.
std::string describe(KeySpec const& spec, std::string_view value) {
    std::string out = "[" + std::string(spec.section) + "] " + std::string(spec.key);
    if (!spec.secret) out += " = " + std::string(value);
    return out;
}

std::string at_line(fs::path const& file, std::size_t line) {
    return file.string() + ":" + std::to_string(line) + ": ";
}

Error bad_value(std::string_view rule) { return fail(Errc::invalid_params, std::string(rule)); }

bool has_control(std::string_view value) {
    return std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

long int_value(KeySpec const& spec, std::string const& canonical) {
    long lo = spec.type == KeyType::port ? 1 : spec.min;
    long hi = spec.type == KeyType::port ? 65535 : spec.max;
    return *proto::parse_int_in(canonical, lo, hi);
}

/// "a boolean", "a number"... for type errors in an update.
std::string json_kind(json::value const& v) {
    switch (v.kind()) {
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    case json::kind::string: return "a string";
    case json::kind::null: return "null";
    }
    return "a value";
}

} // namespace

std::span<KeySpec const> config_schema() { return schema; }

std::span<std::string_view const> config_sections() { return sections; }

KeySpec const* find_key_spec(std::string_view section, std::string_view key) {
    for (auto const& s : schema)
        if (s.section == section && s.key == key) return &s;
    return nullptr;
}

std::string type_label(KeySpec const& spec) {
    switch (spec.type) {
    case KeyType::string: return "text";
    case KeyType::boolean: return "true|false";
    case KeyType::integer: return "integer " + std::to_string(spec.min) + ".." + std::to_string(spec.max);
    case KeyType::port: return "port 1..65535";
    case KeyType::url: return "http(s) URL";
    case KeyType::path: return "absolute path";
    case KeyType::fastest: return "ping|api";
    }
    return "text";
}

Result<std::string> check_value(KeySpec const& spec, std::string_view value) {
    if (value.empty()) return std::string();
    if (has_control(value)) return bad_value("must not contain control characters");
    if (value.front() == ' ' || value.back() == ' ') return bad_value("must not start or end with a blank");
    switch (spec.type) {
    case KeyType::string:
        if (value.size() > max_text_value)
            return bad_value("must be at most " + std::to_string(max_text_value) + " characters");
        return std::string(value);
    case KeyType::boolean:
        if (auto b = proto::parse_bool(value)) return std::string(*b ? "true" : "false");
        return bad_value("must be true or false");
    case KeyType::integer:
        if (auto n = proto::parse_int_in(value, spec.min, spec.max)) return std::to_string(*n);
        return bad_value("must be " + std::to_string(spec.min) + ".." + std::to_string(spec.max));
    case KeyType::port:
        if (auto n = proto::parse_int_in(value, 1, 65535)) return std::to_string(*n);
        return bad_value("must be a port number 1..65535");
    case KeyType::url:
        if (proto::valid_http_url(value)) return std::string(value);
        return bad_value("must be an http:// or https:// URL with a host");
    case KeyType::path:
        if (value.size() > max_text_value)
            return bad_value("must be at most " + std::to_string(max_text_value) + " characters");
        if (value.front() == '/') return std::string(value);
        return bad_value("must be an absolute path");
    case KeyType::fastest:
        if (proto::valid_fastest(value)) return std::string(value);
        return bad_value("must be ping or api");
    }
    return bad_value("has an unknown type");
}

ini::InlineCommentRule config_comment_rule() {
    return [](std::string_view section, std::string_view key) {
        auto const* spec = find_key_spec(section, key);
        return spec && spec->type != KeyType::string && spec->type != KeyType::path;
    };
}

Result<Config> build_config(ini::IniDocument const& doc, fs::path const& file, fs::path const& config_dir) {
    // Every key's canonical value (or its default), by "section.key".
    std::map<std::string, std::string, std::less<>> values;
    for (auto const& spec : schema) {
        auto raw = doc.get(spec.section, spec.key).value_or("");
        auto checked = check_value(spec, raw);
        if (!checked)
            return fail(Errc::config_invalid, at_line(file, *doc.line_of(spec.section, spec.key)) +
                                                  describe(spec, raw) + ": " + checked.error().message);
        values[key_id(spec)] = checked->empty() ? std::string(spec.default_value) : *checked;
    }
    auto text = [&](std::string_view id) -> std::string const& { return values.find(id)->second; };
    auto flag = [&](std::string_view id) { return text(id) == "true"; };
    auto number = [&](std::string_view section, std::string_view key) {
        auto const& spec = *find_key_spec(section, key);
        return int_value(spec, values.find(key_id(spec))->second);
    };

    Config c;
    auto& p = c.protonvpn;
    p.user = text("protonvpn.user");
    p.pass = text("protonvpn.pass");
    p.twofa = text("protonvpn.2fa");
    p.wireguard_port = static_cast<std::uint16_t>(number("protonvpn", "wireguard_port"));
    p.session_dir = text("protonvpn.session_dir").empty() ? config_dir : fs::path(text("protonvpn.session_dir"));
    p.api_url = text("protonvpn.api_url");
    p.api_ca_file = text("protonvpn.api_ca_file");
    p.srp_modulus_key = text("protonvpn.srp_modulus_key");
    p.natpmp_renew = std::chrono::seconds(number("protonvpn", "natpmp_renew"));
    p.agent_ca_file = text("protonvpn.agent_ca_file");
    if (!text("protonvpn.netshield").empty()) p.netshield = static_cast<int>(number("protonvpn", "netshield"));
    if (!text("protonvpn.moderate_nat").empty()) p.moderate_nat = flag("protonvpn.moderate_nat");
    if (!text("protonvpn.vpn_accelerator").empty()) p.vpn_accelerator = flag("protonvpn.vpn_accelerator");

    auto& q = c.qbittorrent;
    q.enable = flag("qbittorrent.enable");
    q.url = text("qbittorrent.url");
    q.user = text("qbittorrent.user");
    q.pass = text("qbittorrent.pass");
    q.port = static_cast<std::uint16_t>(number("qbittorrent", "port"));
    q.bind_interface = flag("qbittorrent.bind_interface");

    auto& n = c.network;
    n.ks_default = flag("network.ks_default");
    n.dns_default = flag("network.dns_default");
    n.threshold_default = static_cast<int>(number("network", "threshold_default"));
    n.allow_lan = flag("network.allow_lan");
    n.fastest_default = text("network.fastest_default") == "api" ? Fastest::api : Fastest::ping;

    auto& m = c.monitor;
    m.interval = std::chrono::seconds(number("monitor", "interval"));
    m.failures = static_cast<int>(number("monitor", "failures"));
    m.latency_threshold = std::chrono::milliseconds(number("monitor", "latency_threshold"));
    m.backoff_max = std::chrono::seconds(number("monitor", "backoff_max"));

    c.service.autoconnect = flag("service.autoconnect");
    c.service.resume = flag("service.resume");
    return c;
}

std::vector<std::string> config_warnings(ini::IniDocument const& doc, fs::path const& file) {
    std::vector<std::string> out;
    for (auto const& section : doc.sections()) {
        if (!is_known_section(section)) {
            out.push_back(at_line(file, *doc.section_line(section)) + "unknown section [" + section +
                          "] (kept, not used)");
            continue;
        }
        for (auto const& key : doc.keys(section))
            if (!find_key_spec(section, key))
                out.push_back(at_line(file, *doc.line_of(section, key)) + "unknown key '" + key + "' in [" +
                              section + "] (kept, not used)");
    }
    return out;
}

fs::path default_config_dir() {
    char const* home = std::getenv("HOME");
    std::string base = home && *home ? home : "";
    if (base.empty())
        if (auto const* pw = ::getpwuid(::geteuid()); pw && pw->pw_dir) base = pw->pw_dir;
    if (base.empty()) base = "/root";
    return fs::path(base) / ".pvpn-cli" / "pvpn";
}

ConfigStore::ConfigStore(fs::path dir) : dir_(std::move(dir)) {
    // An empty document always builds: every default is valid.
    config_ = build_config(doc_, path(), dir_).value();
}

std::string ConfigStore::effective(ini::IniDocument const& doc, KeySpec const& spec) const {
    auto raw = doc.get(spec.section, spec.key).value_or("");
    if (!raw.empty()) {
        auto checked = check_value(spec, raw);
        return checked ? *checked : raw;
    }
    if (spec.defaults_to_config_dir) return dir_.string();
    return std::string(spec.default_value);
}

void ConfigStore::adopt(ini::IniDocument doc, Config config) {
    for (auto const& spec : schema)
        if (spec.secret)
            if (auto v = doc.get(spec.section, spec.key)) log::add_secret(*v);
    auto warnings = config_warnings(doc, path());
    if (warnings != warnings_)
        for (auto const& w : warnings) log::warn("config", w);
    warnings_ = std::move(warnings);
    doc_ = std::move(doc);
    config_ = std::move(config);
    load_error_.reset();
}

Result<ConfigStore::FileState> ConfigStore::read_current() const {
    auto text = read_file_if_exists(path(), max_config_bytes);
    if (!text) return fail(Errc::config_invalid, text.error().message);
    FileState state;
    state.exists = text->has_value();
    if (state.exists) state.text = std::move(**text);
    auto doc = ini::parse(state.text, path().string(), config_comment_rule());
    if (!doc) return doc.error();
    state.doc = std::move(*doc);
    return state;
}

Result<void> ConfigStore::write(std::string const& text) {
    if (auto r = ensure_private_dir(dir_, 0700); !r) return r;
    return write_file_atomic(path(), text, 0600);
}

Result<void> ConfigStore::load() {
    auto current = read_current();
    if (!current) {
        load_error_ = current.error().message;
        return current.error();
    }
    // Secrets are registered before validation, whose error could otherwise
    // be the first place a secret shows up.
    for (auto const& spec : schema)
        if (spec.secret)
            if (auto v = current->doc.get(spec.section, spec.key)) log::add_secret(*v);
    auto config = build_config(current->doc, path(), dir_);
    if (!config) {
        load_error_ = config.error().message;
        return config.error();
    }
    adopt(std::move(current->doc), std::move(*config));
    return {};
}

json::object ConfigStore::masked_json() const {
    json::object values;
    json::object defaults;
    for (auto section : sections) {
        json::object keys;
        json::array defaulted;
        for (auto const& spec : schema) {
            if (spec.section != section) continue;
            auto raw = doc_.get(spec.section, spec.key).value_or("");
            if (raw.empty()) defaulted.emplace_back(spec.key);
            if (spec.secret)
                keys[spec.key] = raw.empty() ? "" : masked_secret;
            else
                keys[spec.key] = effective(doc_, spec);
        }
        values[section] = std::move(keys);
        defaults[section] = std::move(defaulted);
    }
    json::array warnings;
    for (auto const& w : warnings_) warnings.emplace_back(w);
    json::object out{{"path", path().string()},
                     {"sections", std::move(values)},
                     {"defaults", std::move(defaults)},
                     {"warnings", std::move(warnings)}};
    if (load_error_) out["error"] = *load_error_;
    return out;
}

Result<ConfigUpdate> parse_config_update(json::object const& update) {
    ConfigUpdate wanted;
    for (auto const& [section, keys] : update) {
        if (!is_known_section(section))
            return fail(Errc::invalid_params, "unknown config section [" + std::string(section) + "]");
        if (!keys.is_object())
            return fail(Errc::invalid_params, "config section [" + std::string(section) + "] must be an object");
        for (auto const& [key, value] : keys.as_object()) {
            auto const* spec = find_key_spec(section, key);
            if (!spec)
                return fail(Errc::invalid_params,
                            "unknown config key '" + std::string(key) + "' in [" + std::string(section) + "]");
            std::string text;
            if (value.is_string())
                text = value.as_string();
            else if (value.is_bool() && spec->type == KeyType::boolean)
                text = value.as_bool() ? "true" : "false";
            else if (value.is_int64() && (spec->type == KeyType::integer || spec->type == KeyType::port))
                text = std::to_string(value.as_int64());
            else if (value.is_uint64() && (spec->type == KeyType::integer || spec->type == KeyType::port))
                text = std::to_string(value.as_uint64());
            else if (!value.is_null())
                return fail(Errc::invalid_params, "[" + std::string(section) + "] " + std::string(key) +
                                                      ": expected " + type_label(*spec) + ", got " +
                                                      json_kind(value));
            if (spec->secret && text == masked_secret) continue;
            auto checked = check_value(*spec, text);
            if (!checked)
                return fail(Errc::invalid_params, describe(*spec, text) + ": " + checked.error().message);
            wanted[spec] = std::move(*checked);
        }
    }
    return wanted;
}

Result<std::vector<std::string>> ConfigStore::apply(json::object const& update) {
    // 1. The update alone: known names, right types, valid values.
    auto wanted = parse_config_update(update);
    if (!wanted) return wanted.error();

    // 2. The file as it is now; it may have been edited by hand since load().
    auto current = read_current();
    if (!current) return current.error();
    auto doc = current->doc;
    std::vector<std::string> changed;
    for (auto const& spec : schema) {
        auto it = wanted->find(&spec);
        if (it == wanted->end()) continue;
        auto before = effective(doc, spec);
        if (auto r = doc.set(spec.section, spec.key, it->second); !r) return r.error();
        if (effective(doc, spec) != before) changed.push_back(key_id(spec));
    }

    // 3. The result must be valid as a whole, or the daemon could not use it.
    for (auto const& [spec, value] : *wanted)
        if (spec->secret && !value.empty()) log::add_secret(value);
    auto config = build_config(doc, path(), dir_);
    if (!config) return config.error();

    auto text = doc.render();
    if (!current->exists || text != current->text)
        if (auto r = write(text); !r) return r.error();
    adopt(std::move(doc), std::move(*config));
    return changed;
}

Result<void> ConfigStore::clear_key(std::string_view section, std::string_view key) {
    auto const* spec = find_key_spec(section, key);
    if (!spec)
        return fail(Errc::invalid_params,
                    "unknown config key '" + std::string(key) + "' in [" + std::string(section) + "]");
    auto current = read_current();
    if (!current) return current.error();
    auto doc = current->doc;
    if (doc.get(section, key).value_or("").empty()) return {};
    if (auto r = doc.set(section, key, ""); !r) return r;
    if (auto r = write(doc.render()); !r) return r;
    if (auto config = build_config(doc, path(), dir_)) {
        adopt(std::move(doc), std::move(*config));
        return {};
    }
    // The file has an invalid value elsewhere: keep the last valid settings,
    // minus this key (an empty value is always valid).
    if (auto r = doc_.set(section, key, ""); !r) return r;
    config_ = build_config(doc_, path(), dir_).value();
    return {};
}

} // namespace pvpn::core
