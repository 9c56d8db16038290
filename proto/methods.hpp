// The method table: every RPC the daemon serves, with who may call it.
//
// Names are "<noun>.v<N>": a breaking change adds "<noun>.v<N+1>" and keeps the
// old name for one release. docs/rpc.md documents each one; a unit test checks
// that this table is sorted and its names unique.
#pragma once

#include <array>
#include <string_view>

namespace pvpn::proto {

enum class Access {
    read,    ///< Anyone who can open the socket.
    control, ///< uid 0 or a member of group "pvpn".
};

struct MethodInfo {
    std::string_view name;
    Access access;
    std::string_view summary;
};

namespace method {
inline constexpr std::string_view config_get = "config.get.v1";
inline constexpr std::string_view config_set = "config.set.v1";
inline constexpr std::string_view connect = "connect.v1";
inline constexpr std::string_view disconnect = "disconnect.v1";
inline constexpr std::string_view hello = "hello.v1";
inline constexpr std::string_view list = "list.v1";
inline constexpr std::string_view qbittorrent_setup = "qbittorrent.setup.v1";
inline constexpr std::string_view status = "status.v1";
inline constexpr std::string_view watch = "watch.v1";
} // namespace method

/// Sorted by name.
inline constexpr std::array<MethodInfo, 9> methods{{
    {method::config_get, Access::control, "read config.ini (secrets masked)"},
    {method::config_set, Access::control, "change settings in config.ini (pvpn init)"},
    {method::connect, Access::control, "connect to the best matching server"},
    {method::disconnect, Access::control, "tear the tunnel down; optionally keep the kill-switch"},
    {method::hello, Access::read, "daemon and API version, and what the caller may do"},
    {method::list, Access::read, "servers matching filters"},
    {method::qbittorrent_setup, Access::control, "enable qBittorrent's WebUI in qbittorrent-nox's config (pvpn init --qb)"},
    {method::status, Access::read, "tunnel, DNS, kill-switch, port forwarding, qBittorrent, monitor"},
    {method::watch, Access::read, "subscribe to events (notifications \"event\")"},
}};

/// The entry for `name`, or nullptr.
constexpr MethodInfo const* find_method(std::string_view name) {
    for (auto const& m : methods)
        if (m.name == name) return &m;
    return nullptr;
}

/// Notification method the daemon sends to watch.v1 subscribers.
inline constexpr std::string_view event_notification = "event";

} // namespace pvpn::proto
