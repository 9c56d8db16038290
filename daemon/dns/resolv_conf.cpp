#include "daemon/dns/resolv_conf.hpp"

#include <boost/asio/ip/address.hpp>

namespace pvpn::dns {

namespace {
constexpr std::string_view marker = "# Written by pvpn (Proton VPN)";
}

Result<std::string> render_resolv_conf(std::vector<std::string> const& servers,
                                       std::filesystem::path const& backup_path) {
    if (servers.empty()) return fail(Errc::invalid_params, "no DNS server to write to resolv.conf");
    std::string out(marker);
    out += " while the VPN is connected; the original is in " + backup_path.string() + ".\n";
    for (auto const& server : servers) {
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(server, ec);
        if (ec) return fail(Errc::invalid_params, "DNS server \"" + server + "\" is not an IP address");
        out += "nameserver " + address.to_string() + "\n";
    }
    return out;
}

bool written_by_pvpn(std::string_view contents) { return contents.substr(0, marker.size()) == marker; }

} // namespace pvpn::dns
