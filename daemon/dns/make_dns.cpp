#include "daemon/dns/make_dns.hpp"

#include "daemon/dns/resolved_dns.hpp"

namespace pvpn::dns {

DnsBackend choose_dns_backend(std::filesystem::path const& resolv_conf,
                              std::optional<std::filesystem::path> const& link_target) {
    if (!link_target) return DnsBackend::resolv_conf;
    auto target = link_target->is_absolute() ? *link_target : resolv_conf.parent_path() / *link_target;
    auto const text = target.lexically_normal().string();
    for (std::string_view dir : {"/run/systemd/resolve/", "/var/run/systemd/resolve/"})
        if (text.compare(0, dir.size(), dir) == 0) return DnsBackend::resolved;
    return DnsBackend::resolv_conf;
}

std::unique_ptr<Dns> make_dns(boost::asio::any_io_executor executor, ResolvConfOptions const& options) {
    std::error_code ec;
    std::optional<std::filesystem::path> target;
    if (std::filesystem::is_symlink(options.path, ec)) target = std::filesystem::read_symlink(options.path, ec);
    if (choose_dns_backend(options.path, ec ? std::nullopt : target) == DnsBackend::resolved)
        return std::make_unique<ResolvedDns>();
    return std::make_unique<ResolvConfDns>(std::move(executor), options);
}

} // namespace pvpn::dns
