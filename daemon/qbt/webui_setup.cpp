#include "daemon/qbt/webui_setup.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/qbt_password.hpp"
#include "daemon/qbt/qsettings.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace pvpn::qbt {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_conf_bytes = 1024 * 1024;
constexpr std::string_view conf_name = "qBittorrent.conf";
constexpr std::string_view section = "Preferences";

std::optional<Account> account_of(passwd const* pw) {
    if (!pw) return std::nullopt;
    return Account{pw->pw_name, pw->pw_uid, pw->pw_gid, pw->pw_dir};
}

std::vector<fs::path> sorted_entries(fs::path const& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

void add_unique(std::vector<std::string>& list, std::string name) {
    if (!name.empty() && std::find(list.begin(), list.end(), name) == list.end()) list.push_back(std::move(name));
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

/// A user name qBittorrent.conf can hold without QSettings quoting or escaping.
bool plain_user_name(std::string_view name) {
    return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-' || c == '@' || c == '+';
    });
}

/// What is known about the target file.
struct Target {
    fs::path conf;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string owner;
    bool exists = false;
    mode_t mode = 0600;
    std::string found_by = "given";
};

Result<Target> given_target(SetupEnv const& env, fs::path const& conf) {
    if (!conf.is_absolute() || conf.filename() != conf_name)
        return fail(Errc::invalid_params, "--qb-conf must be the absolute path of a file named qBittorrent.conf (got " +
                                              conf.string() + ")");
    Target t;
    t.conf = conf;
    struct stat st {};
    if (::lstat(conf.c_str(), &st) == 0) {
        t.exists = true;
    } else if (errno != ENOENT || ::stat(conf.parent_path().c_str(), &st) != 0) {
        return fail(Errc::invalid_params, "cannot use " + conf.string() + ": " + std::strerror(errno));
    }
    t.uid = st.st_uid;
    t.gid = st.st_gid;
    auto account = env.by_uid ? env.by_uid(st.st_uid) : std::nullopt;
    t.owner = account ? account->name : std::to_string(st.st_uid);
    return t;
}

Result<Target> found_target(SetupEnv const& env, WebUiRequest const& request) {
    std::vector<std::string> names = service_users(env.systemd_dir);
    auto const services = names.size();
    for (auto const* n : {"qbittorrent-nox", "qbittorrent", "debian-qbittorrent"}) add_unique(names, n);
    auto const accounts = names.size();
    if (request.caller != 0 && env.by_uid)
        if (auto me = env.by_uid(request.caller)) add_unique(names, me->name);
    add_unique(names, request.hint_user);

    std::optional<Target> first;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto account = env.by_name ? env.by_name(names[i]) : std::nullopt;
        if (!account || account->home.empty()) continue;
        Target t;
        t.conf = account->home / ".config" / "qBittorrent" / conf_name;
        t.uid = account->uid;
        t.gid = account->gid;
        t.owner = account->name;
        t.found_by = i < services ? "service" : i < accounts ? "account" : "user";
        struct stat st {};
        if (::lstat(t.conf.c_str(), &st) == 0) {
            t.uid = st.st_uid;
            t.gid = st.st_gid;
            t.exists = true;
            return t;
        }
        if (!first) first = t;
    }
    if (!first)
        return fail(Errc::not_configured, "cannot tell which user runs qbittorrent-nox (no qbittorrent-nox@USER "
                                          "service, no qbittorrent account): give the path of its "
                                          "qBittorrent.conf with --qb-conf");
    return *first;
}

/// Creates the missing directories of `dir` below the owner's home, owned by the owner.
Result<void> make_dirs(fs::path const& dir, uid_t uid, gid_t gid) {
    std::vector<fs::path> missing;
    for (auto p = dir; !p.empty() && p != p.root_path(); p = p.parent_path()) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) == 0) break;
        missing.push_back(p);
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) != 0 || ::chown(it->c_str(), uid, gid) != 0)
            return fail(Errc::internal, "cannot create " + it->string() + ": " + std::strerror(errno));
    }
    return {};
}

std::string busy_message(Target const& t, std::vector<QbtProcess> const& running) {
    std::string pids;
    for (auto const& p : running) pids += (pids.empty() ? "" : ", ") + std::to_string(p.pid);
    return "qbittorrent-nox is running as " + t.owner + " (pid " + pids +
           ") and rewrites qBittorrent.conf when it exits: stop it (e.g. `sudo systemctl stop qbittorrent-nox@" +
           t.owner + "`), run `pvpn init --qb` again, then start it";
}

} // namespace

SetupEnv system_setup_env() {
    SetupEnv env;
    env.by_name = [](std::string const& name) -> std::optional<Account> {
        passwd pw{};
        passwd* found = nullptr;
        std::vector<char> buf(16384);
        if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0) return std::nullopt;
        return account_of(found);
    };
    env.by_uid = [](uid_t uid) -> std::optional<Account> {
        passwd pw{};
        passwd* found = nullptr;
        std::vector<char> buf(16384);
        if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0) return std::nullopt;
        return account_of(found);
    };
    return env;
}

std::vector<std::string> service_users(fs::path const& systemd_dir) {
    std::vector<std::string> users;
    constexpr std::string_view instance = "qbittorrent-nox@";
    constexpr std::string_view suffix = ".service";
    for (auto const& wants : sorted_entries(systemd_dir)) {
        if (!wants.filename().string().ends_with(".wants")) continue;
        for (auto const& unit : sorted_entries(wants)) {
            auto name = unit.filename().string();
            if (name.starts_with(instance) && name.ends_with(suffix) && name.size() > instance.size() + suffix.size())
                add_unique(users, name.substr(instance.size(), name.size() - instance.size() - suffix.size()));
        }
    }
    for (auto const& unit : sorted_entries(systemd_dir)) {
        auto name = unit.filename().string();
        if (!name.starts_with("qbittorrent") || !name.ends_with(suffix) || name.find('@') != std::string::npos)
            continue;
        auto text = read_file_if_exists(unit, 64 * 1024);
        if (!text || !*text) continue;
        std::string_view rest = **text;
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            auto line = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            if (line.starts_with("User=")) add_unique(users, trimmed(std::string(line.substr(5))));
        }
    }
    return users;
}

std::vector<QbtProcess> running_qbittorrent(fs::path const& proc_dir) {
    std::vector<QbtProcess> out;
    std::error_code ec;
    for (fs::directory_iterator it(proc_dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto name = it->path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        auto comm = read_file_if_exists(it->path() / "comm", 4096);
        if (!comm || !*comm || trimmed(**comm) != "qbittorrent-nox") continue;
        auto status = read_file_if_exists(it->path() / "status", 65536);
        if (!status || !*status) continue;
        auto state = (*status)->find("\nState:");
        if (state != std::string::npos) {  // a zombie (exited, not yet reaped) writes nothing any more
            auto letter = (*status)->find_first_not_of(" \t", state + 7);
            if (letter != std::string::npos && ((**status)[letter] == 'Z' || (**status)[letter] == 'X')) continue;
        }
        auto at = (*status)->find("\nUid:");
        if (at == std::string::npos) continue;
        QbtProcess p;
        p.pid = std::stoi(name);
        p.uid = static_cast<uid_t>(std::strtoul((*status)->c_str() + at + 5, nullptr, 10));
        out.push_back(p);
    }
    return out;
}

bool webui_set_up(std::string_view text) {
    auto password = qsettings_get(text, section, "WebUI\\Password_PBKDF2");
    auto legacy = qsettings_get(text, section, "WebUI\\Password_ha1");
    auto enabled = qsettings_get(text, section, "WebUI\\Enabled");
    bool const has_password = (password && !password->empty()) || (legacy && !legacy->empty());
    return has_password && enabled.value_or("true") != "false";
}

Result<WebUiReport> setup_webui(SetupEnv const& env, WebUiRequest const& request) {
    auto target = request.conf ? given_target(env, *request.conf) : found_target(env, request);
    if (!target) return target.error();
    auto& t = *target;
    if (request.caller != 0 && request.caller != t.uid)
        return fail(Errc::permission_denied, t.conf.string() + " belongs to " + t.owner +
                                                 ": only root may set up another user's qBittorrent");

    WebUiReport report;
    report.conf = t.conf;
    report.owner = t.owner;
    report.found_by = t.found_by;
    std::string text;
    if (t.exists) {
        struct stat st {};
        if (::lstat(t.conf.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
            return fail(Errc::invalid_params, t.conf.string() + " is not a regular file (a symbolic link is not "
                                                                "followed)");
        t.mode = st.st_mode & 07777;
        auto read = read_file(t.conf, max_conf_bytes);
        if (!read) return read.error();
        text = std::move(*read);
    }
    report.exists = t.exists;
    report.set_up = t.exists && webui_set_up(text);
    for (auto const& p : running_qbittorrent(env.proc_dir))
        if (p.uid == t.uid) report.running.push_back(p);

    if (report.set_up) {
        report.message = "qBittorrent's WebUI is already set up in " + t.conf.string() +
                         ": pvpn left it as it is and logs in with the credentials in config.ini";
        return report;
    }
    if (request.dry_run) {
        report.message = "qBittorrent's WebUI is not set up in " + t.conf.string();
        return report;
    }
    if (!report.running.empty()) return fail(Errc::busy, busy_message(t, report.running));
    if (!plain_user_name(request.user))
        return fail(Errc::invalid_params, "the qBittorrent WebUI user name must be 1 to 128 letters, digits or "
                                          "._-@+ to be written into qBittorrent.conf");
    if (!is_qbt_password_hash(request.password_hash))
        return fail(Errc::invalid_params, "password_hash is not a qBittorrent PBKDF2 hash (@ByteArray(salt:key))");

    std::string const new_text =
        qsettings_set(text, section,
                      {{"WebUI\\Enabled", "true"},
                       {"WebUI\\Address", request.address},
                       {"WebUI\\Port", std::to_string(request.port)},
                       {"WebUI\\Username", request.user},
                       {"WebUI\\Password_PBKDF2", "\"" + request.password_hash + "\""}});
    if (!t.exists)
        if (auto r = make_dirs(t.conf.parent_path(), t.uid, t.gid); !r) return r.error();
    if (auto r = write_file_atomic(t.conf, new_text, t.mode, FileOwner{t.uid, t.gid}); !r) return r.error();
    log::info("qbt", "enabled qBittorrent's WebUI on ", request.address, ":", request.port, " for user ", request.user,
              " in ", t.conf.string());
    report.changed = true;
    report.exists = true;
    report.set_up = true;
    report.message = "Enabled qBittorrent's WebUI on " + request.address + ":" + std::to_string(request.port) +
                     " (user " + request.user + ") in " + t.conf.string() +
                     ". Restart qbittorrent-nox once so that it takes effect (e.g. `sudo systemctl restart "
                     "qbittorrent-nox@" + t.owner + "`).";
    return report;
}

} // namespace pvpn::qbt
