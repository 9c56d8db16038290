#include "daemon/tunnel/wg_quick_conf.hpp"

#include "common/atomic_file.hpp"

#include <cctype>

namespace pvpn::tunnel {

namespace {

std::string join(std::vector<std::string> const& items) {
    std::string out;
    for (auto const& item : items) {
        if (!out.empty()) out += ", ";
        out += item;
    }
    return out;
}

} // namespace

std::string render_wg_quick_conf(WgQuickConf const& conf) {
    std::string out;
    if (!conf.comment.empty()) out += "# " + conf.comment + "\n";
    out += "[Interface]\n";
    out += "PrivateKey = " + conf.private_key + "\n";
    out += "Address = " + conf.address + "\n";
    if (!conf.dns.empty()) out += "DNS = " + join(conf.dns) + "\n";
    out += "\n[Peer]\n";
    out += "PublicKey = " + conf.peer_public_key + "\n";
    out += "AllowedIPs = " + join(conf.allowed_ips) + "\n";
    out += "Endpoint = " + conf.endpoint + "\n";
    if (conf.persistent_keepalive) out += "PersistentKeepalive = " + std::to_string(conf.persistent_keepalive) + "\n";
    return out;
}

std::string wg_quick_conf_stem(std::string_view server_name) {
    std::string out;
    for (char c : server_name) {
        bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '=' || c == '+' || c == '.' || c == '-';
        char next = keep ? c : '-';
        if (next == '-' && !out.empty() && out.back() == '-') continue;
        out += next;
        if (out.size() == 15) break;
    }
    while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
    if (out.empty() || out == "." || out == "..") out = "pvpn";
    return out;
}

Result<std::filesystem::path> write_wg_quick_conf(std::filesystem::path const& dir, std::string_view server_name,
                                                  WgQuickConf const& conf) {
    if (auto made = ensure_private_dir(dir, 0700); !made) return made.error();
    auto path = dir / (wg_quick_conf_stem(server_name) + ".conf");
    if (auto written = write_file_atomic(path, render_wg_quick_conf(conf), 0600); !written) return written.error();
    return path;
}

} // namespace pvpn::tunnel
