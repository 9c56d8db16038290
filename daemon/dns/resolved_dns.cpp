#include "daemon/dns/resolved_dns.hpp"

#include "common/log.hpp"

#include <boost/asio/ip/address.hpp>

#include <systemd/sd-bus.h>

#include <net/if.h>
#include <sys/socket.h>

#include <cstring>

namespace pvpn::dns {

namespace {

constexpr char const* service = "org.freedesktop.resolve1";
constexpr char const* object = "/org/freedesktop/resolve1";
constexpr char const* manager = "org.freedesktop.resolve1.Manager";

/// sd_bus_error freed on every path.
struct BusError {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    ~BusError() { sd_bus_error_free(&error); }
    std::string text(int r) const {
        if (error.message) return error.message;
        return std::strerror(-r);
    }
};

Error bus_failure(std::string const& what, BusError const& error, int r) {
    return fail(Errc::tunnel_failed, "systemd-resolved: " + what + ": " + error.text(r));
}

} // namespace

Result<void> ResolvedDns::connect() {
    if (bus_) return {};
    sd_bus* raw = nullptr;
    int r = sd_bus_open_system(&raw);
    if (r < 0) return fail(Errc::tunnel_failed, std::string("cannot reach the system bus: ") + std::strerror(-r));
    bus_.reset(raw);
    return {};
}

Result<void> ResolvedDns::apply(std::string const& ifname, std::vector<std::string> const& servers) {
    if (servers.empty()) return fail(Errc::invalid_params, "no DNS server to give systemd-resolved");
    unsigned index = ::if_nametoindex(ifname.c_str());
    if (index == 0) return fail(Errc::tunnel_failed, "cannot set DNS on " + ifname + ": no such link");
    if (auto c = connect(); !c) return c.error();
    int const ifindex = static_cast<int>(index);

    // SetLinkDNS(i ifindex, a(iay) addresses)
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, service, object, manager, "SetLinkDNS");
    SdBusMessage call(raw);
    if (r >= 0) r = sd_bus_message_append(call.get(), "i", ifindex);
    if (r >= 0) r = sd_bus_message_open_container(call.get(), 'a', "(iay)");
    for (auto const& server : servers) {
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(server, ec);
        if (ec) return fail(Errc::invalid_params, "DNS server \"" + server + "\" is not an IP address");
        if (r >= 0) r = sd_bus_message_open_container(call.get(), 'r', "iay");
        if (address.is_v4()) {
            auto bytes = address.to_v4().to_bytes();
            if (r >= 0) r = sd_bus_message_append(call.get(), "i", AF_INET);
            if (r >= 0) r = sd_bus_message_append_array(call.get(), 'y', bytes.data(), bytes.size());
        } else {
            auto bytes = address.to_v6().to_bytes();
            if (r >= 0) r = sd_bus_message_append(call.get(), "i", AF_INET6);
            if (r >= 0) r = sd_bus_message_append_array(call.get(), 'y', bytes.data(), bytes.size());
        }
        if (r >= 0) r = sd_bus_message_close_container(call.get());
    }
    if (r >= 0) r = sd_bus_message_close_container(call.get());
    BusError error;
    if (r >= 0) r = sd_bus_call(bus_.get(), call.get(), 0, &error.error, nullptr);
    if (r < 0) return bus_failure("SetLinkDNS on " + ifname, error, r);

    // "~." makes the link the route for every domain.
    BusError domains_error;
    r = sd_bus_call_method(bus_.get(), service, object, manager, "SetLinkDomains", &domains_error.error, nullptr,
                           "ia(sb)", ifindex, 1, ".", 1);
    if (r < 0) return bus_failure("SetLinkDomains on " + ifname, domains_error, r);

    BusError route_error;
    r = sd_bus_call_method(bus_.get(), service, object, manager, "SetLinkDefaultRoute", &route_error.error, nullptr,
                           "ib", ifindex, 1);
    if (r < 0) return bus_failure("SetLinkDefaultRoute on " + ifname, route_error, r);

    ifindex_ = ifindex;
    servers_ = servers;
    log::info("dns", "DNS for ", ifname, " set in systemd-resolved");
    return {};
}

Result<void> ResolvedDns::revert() {
    if (ifindex_ == 0) return {};
    if (auto c = connect(); !c) return c.error();
    BusError error;
    int r = sd_bus_call_method(bus_.get(), service, object, manager, "RevertLink", &error.error, nullptr, "i", ifindex_);
    int const ifindex = ifindex_;
    ifindex_ = 0;
    servers_.clear();
    // A link that is already gone has nothing left to revert.
    if (r < 0 && !sd_bus_error_has_name(&error.error, "org.freedesktop.resolve1.NoSuchLink"))
        return bus_failure("RevertLink on link " + std::to_string(ifindex), error, r);
    return {};
}

} // namespace pvpn::dns
