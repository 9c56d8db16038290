// `pvpn init --qb`'s daemon side (qbittorrent.setup.v1): when qBittorrent's
// WebUI is not set up, enable it for localhost in qbittorrent-nox's own
// qBittorrent.conf with the user's credentials (the password as qBittorrent's
// PBKDF2 hash, computed by the client).
//
// Which qBittorrent.conf: the one given, else that of the user qbittorrent-nox
// runs as, found the way a user would look: the user of an enabled
// `qbittorrent-nox@<user>.service` (Debian's unit) or the `User=` of a
// qbittorrent*.service in /etc/systemd/system, then a system account named
// qbittorrent-nox, qbittorrent or debian-qbittorrent, then the calling user
// (sudo's SUDO_USER, passed by the client). The file is
// ~<user>/.config/qBittorrent/qBittorrent.conf; the first candidate whose file
// exists wins, else the first candidate. The report says how it was found:
// a file found only through the calling user may belong to a desktop
// qBittorrent, so the client writes there only after asking (or --qb-conf).
//
// qbittorrent-nox rewrites its config from memory when it exits, so the file
// is only written while no qbittorrent-nox of that user runs; the write is
// atomic and keeps the file's owner and mode. A caller other than root may
// only touch a file it owns.
#pragma once

#include "common/error.hpp"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::qbt {

/// A user account (from the password database).
struct Account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::filesystem::path home;
};

/// A running qbittorrent-nox.
struct QbtProcess {
    int pid = 0;
    uid_t uid = 0;
};

/// Where the system facts come from; tests point it at a fake tree.
struct SetupEnv {
    std::filesystem::path proc_dir = "/proc";
    std::filesystem::path systemd_dir = "/etc/systemd/system";
    std::function<std::optional<Account>(std::string const& name)> by_name;
    std::function<std::optional<Account>(uid_t uid)> by_uid;
};

/// The real system: /proc, /etc/systemd/system and the password database.
SetupEnv system_setup_env();

/// What qbittorrent.setup.v1 was asked to do.
struct WebUiRequest {
    std::optional<std::filesystem::path> conf;  ///< Given by the user; else found.
    std::string hint_user;                      ///< The client's SUDO_USER, if any.
    uid_t caller = 0;                           ///< SO_PEERCRED uid of the caller.
    std::string user;                           ///< WebUI user name ([qbittorrent] user).
    std::string password_hash;                  ///< "@ByteArray(salt:key)"; unused with dry_run.
    std::string address;                        ///< WebUI\Address: "127.0.0.1" or "::1".
    std::uint16_t port = 8080;                  ///< WebUI\Port, from [qbittorrent] url.
    bool dry_run = false;                       ///< Only report what would be done.
};

/// What setup_webui() found and did.
struct WebUiReport {
    std::filesystem::path conf;      ///< The file looked at (empty: none found).
    std::string owner;               ///< The user it belongs to (qbittorrent-nox's user).
    std::string found_by;            ///< "given", "service", "account" (a qbittorrent account) or "user".
    bool exists = false;
    bool set_up = false;             ///< It already has a WebUI password (and the WebUI is not off).
    std::vector<QbtProcess> running; ///< qbittorrent-nox processes of that user.
    bool changed = false;            ///< The file was written.
    std::string message;             ///< What happened, for the user.
};

/// Users of enabled qbittorrent-nox services under `systemd_dir`, in order found.
std::vector<std::string> service_users(std::filesystem::path const& systemd_dir);

/// Running qbittorrent-nox processes, from `proc_dir` (zombies do not count).
std::vector<QbtProcess> running_qbittorrent(std::filesystem::path const& proc_dir);

/// True when `text` (a qBittorrent.conf) already has a WebUI password and
/// does not switch the WebUI off.
bool webui_set_up(std::string_view text);

/// Looks (dry_run) or sets the WebUI up. Errors: invalid_params (bad path or
/// hash), not_configured (no file found), permission_denied (someone else's
/// file), busy (qbittorrent-nox is running), internal (I/O).
Result<WebUiReport> setup_webui(SetupEnv const& env, WebUiRequest const& request);

} // namespace pvpn::qbt
