// config.ini: the schema of every setting, the typed view the daemon works
// with, and the store that reads and (for `pvpn init`) rewrites the file.
//
// The file belongs to the user: the store keeps comments, unknown keys and
// unknown sections, touches only the sections an update names, writes
// atomically with mode 0600, and never overwrites a file it cannot parse.
// docs/config.md describes every key; keep it in step with config_schema().
#pragma once

#include "common/error.hpp"
#include "common/ini.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::core {

/// What a key holds; decides validation, and whether a trailing comment is
/// recognised (only for types whose values cannot contain " #" or " ;").
enum class KeyType {
    string,   ///< Free text on one line (user names, passwords): no trailing comment.
    boolean,  ///< true/false (also yes/no, on/off, 1/0); written back as true/false.
    integer,  ///< Decimal in [min, max].
    port,     ///< Decimal in 1..65535.
    url,      ///< http:// or https:// URL.
    path,     ///< Absolute path: no trailing comment.
    fastest,  ///< "ping" or "api".
};

/// One key of config.ini.
struct KeySpec {
    std::string_view section{};
    std::string_view key{};
    KeyType type = KeyType::string;
    std::string_view default_value{};     ///< As written in the file; "" = not set.
    long min = 0;                         ///< KeyType::integer only.
    long max = 0;                         ///< KeyType::integer only.
    bool secret = false;                  ///< Never logged, masked in masked_json().
    bool defaults_to_config_dir = false;  ///< An empty value means the config dir.
    std::string_view description{};       ///< One line, for docs and `pvpn init` prompts.
};

/// Every key, grouped by section in config_sections() order.
std::span<KeySpec const> config_schema();

/// The known sections, in the order a new file lists them.
std::span<std::string_view const> config_sections();

/// The spec of `section`.`key`, or nullptr if the key is unknown.
KeySpec const* find_key_spec(std::string_view section, std::string_view key);

/// Human name of the accepted values, e.g. "integer 1..100", "true|false".
std::string type_label(KeySpec const& spec);

/// Checks `value` against `spec` and returns it in canonical form ("yes" ->
/// "true", "007" -> "7"). The empty value (use the default) is always valid.
/// The error (Errc::invalid_params) is only the broken rule, e.g.
/// "must be 1..100", so callers can say where the value came from.
Result<std::string> check_value(KeySpec const& spec, std::string_view value);

/// How `connect`/`list` pick the fastest server.
enum class Fastest { ping, api };

/// [protonvpn]
struct ProtonSettings {
    std::string user;
    std::string pass;
    /// A one-time TOTP code. The daemon consumes it at the next login and then
    /// clears it in the file (ConfigStore::clear_key), since a code is valid
    /// for 30 seconds only; a lasting session comes from session_dir instead.
    std::string twofa;
    std::uint16_t wireguard_port = 51820;
    std::filesystem::path session_dir;
    std::string api_url = "https://vpn-api.proton.me";
    std::filesystem::path api_ca_file;      ///< Empty: the system CAs.
    std::filesystem::path srp_modulus_key;  ///< Empty: Proton's pinned key.
    std::chrono::seconds natpmp_renew{45};  ///< NAT-PMP lease renewal period.
    std::filesystem::path agent_ca_file;    ///< Empty: Proton's root CA (built in).
    std::optional<int> netshield;           ///< Local agent features; unset: the server's choice.
    std::optional<bool> moderate_nat;
    std::optional<bool> vpn_accelerator;
};

/// [qbittorrent]
struct QbtSettings {
    bool enable = true;
    std::string url = "http://127.0.0.1:8080";
    std::string user;
    std::string pass;
    std::uint16_t port = 6881;  ///< Listen port used while no forwarded port is known.
    bool bind_interface = false;
};

/// [network]
struct NetworkSettings {
    bool ks_default = false;
    bool dns_default = true;
    int threshold_default = 60;
    bool allow_lan = true;
    Fastest fastest_default = Fastest::ping;
};

/// [monitor]
struct MonitorSettings {
    std::chrono::seconds interval{60};
    int failures = 3;
    std::chrono::milliseconds latency_threshold{500};
    std::chrono::seconds backoff_max{300};  ///< Cap of the wait between failed reconnect rounds.
};

/// [service]
struct ServiceSettings {
    bool autoconnect = false;
    bool resume = true;  ///< A restarted pvpnd resumes the connection it had (<run_dir>/connection.json).
};

/// The typed settings: file values where set, defaults elsewhere. The member
/// initialisers equal the schema's defaults (a unit test checks it), except
/// session_dir, which defaults to the config dir.
struct Config {
    ProtonSettings protonvpn;
    QbtSettings qbittorrent;
    NetworkSettings network;
    MonitorSettings monitor;
    ServiceSettings service;
};

/// Says which keys of config.ini may carry a trailing comment (by schema type).
ini::InlineCommentRule config_comment_rule();

/// Builds the typed settings from `doc`; `file` names the file in errors
/// (Errc::config_invalid), e.g.
/// "/root/.pvpn-cli/pvpn/config.ini:12: [network] threshold_default = 300: must be 1..100".
/// A secret's value never appears in an error.
Result<Config> build_config(ini::IniDocument const& doc, std::filesystem::path const& file,
                            std::filesystem::path const& config_dir);

/// Unknown keys in known sections and unknown sections, one message each
/// ("<file>:<line>: unknown key 'x' in [network] (kept, not used)").
std::vector<std::string> config_warnings(ini::IniDocument const& doc, std::filesystem::path const& file);

/// `$HOME/.pvpn-cli/pvpn` of the effective user (from the password database
/// if HOME is unset).
std::filesystem::path default_config_dir();

/// What masked_json() shows instead of a secret that is set.
inline constexpr std::string_view masked_secret = "********";

/// A checked config.set.v1 update: each named key with its canonical value
/// ("" = back to the default). Secrets sent as masked_secret are left out.
using ConfigUpdate = std::map<KeySpec const*, std::string>;

/// Checks a config.set.v1 update ({section: {key: string|bool|int|null}}) on
/// its own, touching no file: an unknown section or key, a wrong type or a bad
/// value is Errc::invalid_params naming it and the rule.
Result<ConfigUpdate> parse_config_update(boost::json::object const& update);

/// A larger config.ini is refused (it is a few hundred bytes in practice).
inline constexpr std::size_t max_config_bytes = 1024 * 1024;

/// Owns the config dir: config.ini, wireguard/ and pvpn.log. Not thread-safe;
/// the daemon uses it from its one event loop.
class ConfigStore {
public:
    explicit ConfigStore(std::filesystem::path dir);

    std::filesystem::path const& dir() const { return dir_; }
    /// config.ini.
    std::filesystem::path path() const { return dir_ / "config.ini"; }
    /// Where downloaded WireGuard configurations live.
    std::filesystem::path wireguard_dir() const { return dir_ / "wireguard"; }
    /// The daemon's log file.
    std::filesystem::path log_path() const { return dir_ / "pvpn.log"; }

    /// (Re)reads config.ini; a missing file means all defaults. Registers the
    /// secrets with log::add_secret. On failure (Errc::config_invalid, naming
    /// file, line and key) the previously loaded settings stay in effect and
    /// masked_json() carries the error.
    Result<void> load();

    /// The settings of the last successful load() or apply().
    Config const& typed() const { return config_; }

    /// Warnings of the last successful load() or apply() (unknown keys, sections).
    std::vector<std::string> const& warnings() const { return warnings_; }

    /// The settings for config.get.v1:
    /// {"path": ".../config.ini",
    ///  "sections": {"network": {"ks_default": "false", ...}, ...},  (every known key, as text)
    ///  "defaults": {"network": ["allow_lan", ...], ...},   (keys absent or empty in the file)
    ///  "warnings": [...], "error": "..." (only if the last load failed)}
    /// A secret that is set shows as masked_secret, an unset one as "".
    /// Unknown keys are left out: nobody knows whether they are secret.
    boost::json::object masked_json() const;

    /// Changes settings: `update` is {section: {key: string|bool|int|null}};
    /// null resets a key to its default (empty value), and masked_secret for
    /// a secret means "keep the current one". Everything is validated before
    /// anything is written: an unknown section or key, or a bad value, is
    /// Errc::invalid_params naming it and the rule. Then config.ini is re-read:
    /// if it cannot be parsed, or a value this update does not replace is
    /// invalid, the answer is Errc::config_invalid naming file and line, and the
    /// file is left alone. Otherwise only the named keys change (new ones go at
    /// the end of their section, new sections at the end of the file) and the
    /// file is replaced atomically, mode 0600, in a directory created 0700 if
    /// missing. Returns the keys whose effective value changed, as "section.key".
    Result<std::vector<std::string>> apply(boost::json::object const& update);

    /// Empties one key in the file (atomically, like apply) and in memory, e.g.
    /// protonvpn.2fa once the code is used. Works even if another value in the
    /// file is invalid; refuses (config_invalid) only a file it cannot parse.
    Result<void> clear_key(std::string_view section, std::string_view key);

private:
    /// config.ini as it is on disk now.
    struct FileState {
        bool exists = false;
        std::string text;
        ini::IniDocument doc;
    };
    Result<FileState> read_current() const;
    Result<void> write(std::string const& text);
    void adopt(ini::IniDocument doc, Config config);
    std::string effective(ini::IniDocument const& doc, KeySpec const& spec) const;

    std::filesystem::path dir_;
    ini::IniDocument doc_;
    Config config_;
    std::vector<std::string> warnings_;
    std::optional<std::string> load_error_;
};

} // namespace pvpn::core
