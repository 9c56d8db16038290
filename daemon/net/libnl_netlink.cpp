#include "daemon/net/libnl_netlink.hpp"

#include "daemon/net/nl_request.hpp"

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>

#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace pvpn::net {
namespace ip = boost::asio::ip;

namespace {

Error sys_error(std::string const& what, int err) {
    return fail(Errc::internal, what + ": " + std::strerror(err));
}

Error nl_error(std::string const& what, int nl_err) {
    return fail(Errc::internal, what + ": " + nl_geterror(nl_err));
}

int af(Family family) { return family == Family::ipv4 ? AF_INET : AF_INET6; }

NlAddr to_nl_addr(ip::address const& address, std::uint8_t length) {
    NlAddr out;
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        out.reset(nl_addr_build(AF_INET, bytes.data(), bytes.size()));
    } else {
        auto bytes = address.to_v6().to_bytes();
        out.reset(nl_addr_build(AF_INET6, bytes.data(), bytes.size()));
    }
    if (out) nl_addr_set_prefixlen(out.get(), length);
    return out;
}

std::optional<ip::address> from_nl_addr(nl_addr* addr) {
    if (!addr) return std::nullopt;
    auto const* data = static_cast<unsigned char const*>(nl_addr_get_binary_addr(addr));
    if (nl_addr_get_family(addr) == AF_INET && nl_addr_get_len(addr) == 4) {
        ip::address_v4::bytes_type b;
        std::memcpy(b.data(), data, 4);
        return ip::address_v4(b);
    }
    if (nl_addr_get_family(addr) == AF_INET6 && nl_addr_get_len(addr) == 16) {
        ip::address_v6::bytes_type b;
        std::memcpy(b.data(), data, 16);
        return ip::address_v6(b);
    }
    return std::nullopt;
}

bool is_absent(int err) { return err == ENOENT || err == ESRCH || err == ENODEV || err == EADDRNOTAVAIL; }

/// Builds a route object for add or delete; null if memory ran out.
Result<RtnlRoute> build_route(Route const& route, int ifindex) {
    RtnlRoute r(rtnl_route_alloc());
    auto dst = to_nl_addr(route.destination.address, route.destination.length);
    if (!r || !dst) return fail(Errc::internal, "out of memory building " + describe(route));
    rtnl_route_set_family(r.get(), static_cast<std::uint8_t>(af(route.family())));
    rtnl_route_set_table(r.get(), route.table);
    rtnl_route_set_protocol(r.get(), RTPROT_STATIC);
    if (int err = rtnl_route_set_dst(r.get(), dst.get()); err < 0) return nl_error(describe(route), err);
    switch (route.type) {
    case RouteType::unicast: rtnl_route_set_type(r.get(), RTN_UNICAST); break;
    case RouteType::unreachable: rtnl_route_set_type(r.get(), RTN_UNREACHABLE); break;
    case RouteType::blackhole: rtnl_route_set_type(r.get(), RTN_BLACKHOLE); break;
    }
    if (ifindex > 0) {
        rtnl_nexthop* nh = rtnl_route_nh_alloc();
        if (!nh) return fail(Errc::internal, "out of memory building " + describe(route));
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_add_nexthop(r.get(), nh);  // the route owns nh from here
    }
    return r;
}

/// An RTM_NEWRULE/RTM_DELRULE message; libnl's rule object cannot express
/// "not" or suppress_prefixlength, so the header and attributes are put here.
Result<NlMsg> build_rule(Rule const& rule, int type, int flags) {
    NlMsg msg(nlmsg_alloc_simple(type, flags));
    if (!msg) return fail(Errc::internal, "out of memory building " + describe(rule));
    fib_rule_hdr hdr{};
    hdr.family = static_cast<std::uint8_t>(af(rule.family));
    hdr.action = FR_ACT_TO_TBL;
    hdr.table = static_cast<std::uint8_t>(rule.table < 256 ? rule.table : RT_TABLE_UNSPEC);
    if (rule.invert) hdr.flags |= FIB_RULE_INVERT;
    bool ok = nlmsg_append(msg.get(), &hdr, sizeof hdr, NLMSG_ALIGNTO) == 0 &&
              nla_put_u32(msg.get(), FRA_PRIORITY, rule.priority) == 0 &&
              nla_put_u32(msg.get(), FRA_TABLE, rule.table) == 0;
    if (ok && rule.fwmark)
        ok = nla_put_u32(msg.get(), FRA_FWMARK, *rule.fwmark) == 0 && nla_put_u32(msg.get(), FRA_FWMASK, 0xffffffffu) == 0;
    if (ok && rule.suppress_prefixlength)
        ok = nla_put_u32(msg.get(), FRA_SUPPRESS_PREFIXLEN, *rule.suppress_prefixlength) == 0;
    if (!ok) return fail(Errc::internal, "cannot build netlink message for " + describe(rule));
    return msg;
}

} // namespace

Result<std::unique_ptr<LibnlNetlink>> LibnlNetlink::open() {
    NlSock sock(nl_socket_alloc());
    if (!sock) return fail(Errc::internal, "cannot allocate a netlink socket");
    if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) return nl_error("connect to rtnetlink", err);
    return std::unique_ptr<LibnlNetlink>(new LibnlNetlink(std::move(sock)));
}

int LibnlNetlink::transact(nl_msg* msg) { return nl_request(sock_.get(), msg); }

Result<int> LibnlNetlink::link_index(std::string const& name) {
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
    RtnlLink link(raw);
    if (err < 0) return nl_error("link " + name, err);
    return rtnl_link_get_ifindex(link.get());
}

Result<bool> LibnlNetlink::link_exists(std::string const& name) {
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
    RtnlLink link(raw);
    if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return false;
    if (err < 0) return nl_error("look up link " + name, err);
    return true;
}

Result<void> LibnlNetlink::add_link(std::string const& name, std::string const& kind) {
    std::string what = "add link " + name + " type " + kind;
    RtnlLink link(rtnl_link_alloc());
    if (!link) return fail(Errc::internal, "out of memory: " + what);
    rtnl_link_set_name(link.get(), name.c_str());
    if (int err = rtnl_link_set_type(link.get(), kind.c_str()); err < 0) return nl_error(what, err);
    nl_msg* raw = nullptr;
    if (int err = rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, &raw); err < 0)
        return nl_error(what, err);
    NlMsg msg(raw);
    if (int err = transact(msg.get())) return sys_error(what, err);
    return {};
}

Result<bool> LibnlNetlink::delete_link(std::string const& name) {
    std::string what = "delete link " + name;
    RtnlLink link(rtnl_link_alloc());
    if (!link) return fail(Errc::internal, "out of memory: " + what);
    rtnl_link_set_name(link.get(), name.c_str());
    nl_msg* raw = nullptr;
    if (int err = rtnl_link_build_delete_request(link.get(), &raw); err < 0) return nl_error(what, err);
    NlMsg msg(raw);
    int err = transact(msg.get());
    if (is_absent(err)) return false;
    if (err) return sys_error(what, err);
    return true;
}

Result<void> LibnlNetlink::set_link_up(std::string const& name, unsigned mtu) {
    std::string what = "set link " + name + " up mtu " + std::to_string(mtu);
    auto index = link_index(name);
    if (!index) return index.error();
    RtnlLink orig(rtnl_link_alloc());
    RtnlLink change(rtnl_link_alloc());
    if (!orig || !change) return fail(Errc::internal, "out of memory: " + what);
    rtnl_link_set_ifindex(orig.get(), *index);
    rtnl_link_set_mtu(change.get(), mtu);
    rtnl_link_set_flags(change.get(), IFF_UP);
    nl_msg* raw = nullptr;
    if (int err = rtnl_link_build_change_request(orig.get(), change.get(), 0, &raw); err < 0) return nl_error(what, err);
    NlMsg msg(raw);
    if (int err = transact(msg.get())) return sys_error(what, err);
    return {};
}

Result<void> LibnlNetlink::add_address(std::string const& name, LinkAddress const& address) {
    std::string what = "add address " + address.local.to_string();
    if (address.peer) what += " peer " + address.peer->to_string();
    what += " dev " + name;
    auto index = link_index(name);
    if (!index) return index.error();
    RtnlAddr addr(rtnl_addr_alloc());
    auto local = to_nl_addr(address.local.address, address.local.length);
    if (!addr || !local) return fail(Errc::internal, "out of memory: " + what);
    rtnl_addr_set_ifindex(addr.get(), *index);
    rtnl_addr_set_family(addr.get(), address.local.is_v4() ? AF_INET : AF_INET6);
    if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0) return nl_error(what, err);
    if (address.peer) {
        auto peer = to_nl_addr(*address.peer, address.local.length);
        if (!peer) return fail(Errc::internal, "out of memory: " + what);
        if (int err = rtnl_addr_set_peer(addr.get(), peer.get()); err < 0) return nl_error(what, err);
    }
    rtnl_addr_set_prefixlen(addr.get(), address.local.length);
    nl_msg* raw = nullptr;
    if (int err = rtnl_addr_build_add_request(addr.get(), NLM_F_CREATE | NLM_F_EXCL, &raw); err < 0)
        return nl_error(what, err);
    NlMsg msg(raw);
    if (int err = transact(msg.get())) return sys_error(what, err);
    return {};
}

Result<bool> LibnlNetlink::add_route(Route const& route) {
    std::string what = "add " + describe(route);
    int ifindex = 0;
    if (!route.device.empty()) {
        auto index = link_index(route.device);
        if (!index) return fail(Errc::internal, what + ": no such device");
        ifindex = *index;
    }
    auto r = build_route(route, ifindex);
    if (!r) return r.error();
    nl_msg* raw = nullptr;
    if (int err = rtnl_route_build_add_request(r->get(), NLM_F_CREATE | NLM_F_EXCL, &raw); err < 0)
        return nl_error(what, err);
    NlMsg msg(raw);
    int err = transact(msg.get());
    if (err == EEXIST) return false;
    if (err) return sys_error(what, err);
    return true;
}

Result<bool> LibnlNetlink::delete_route(Route const& route) {
    std::string what = "delete " + describe(route);
    int ifindex = 0;
    if (!route.device.empty()) {
        auto exists = link_exists(route.device);
        if (!exists) return exists.error();
        if (!*exists) return false;  // the route went with its device
        auto index = link_index(route.device);
        if (!index) return index.error();
        ifindex = *index;
    }
    auto r = build_route(route, ifindex);
    if (!r) return r.error();
    rtnl_route_set_scope(r->get(), RT_SCOPE_NOWHERE);  // match any scope, as `ip route del` does
    nl_msg* raw = nullptr;
    if (int err = rtnl_route_build_del_request(r->get(), 0, &raw); err < 0) return nl_error(what, err);
    NlMsg msg(raw);
    int err = transact(msg.get());
    if (is_absent(err)) return false;
    if (err) return sys_error(what, err);
    return true;
}

Result<bool> LibnlNetlink::add_rule(Rule const& rule) {
    std::string what = "add " + describe(rule);
    auto msg = build_rule(rule, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
    if (!msg) return msg.error();
    int err = transact(msg->get());
    if (err == EEXIST) return false;
    if (err) return sys_error(what, err);
    return true;
}

Result<bool> LibnlNetlink::delete_rule(Rule const& rule) {
    std::string what = "delete " + describe(rule);
    auto msg = build_rule(rule, RTM_DELRULE, 0);
    if (!msg) return msg.error();
    int err = transact(msg->get());
    if (is_absent(err)) return false;
    if (err) return sys_error(what, err);
    return true;
}

bool LibnlNetlink::ipv6_supported() { return ::access("/proc/net/if_inet6", F_OK) == 0; }

Result<std::vector<InterfaceAddress>> LibnlNetlink::list_addresses() {
    nl_cache* raw_links = nullptr;
    if (int err = rtnl_link_alloc_cache(sock_.get(), AF_UNSPEC, &raw_links); err < 0) return nl_error("list links", err);
    NlCache links(raw_links);
    nl_cache* raw_addrs = nullptr;
    if (int err = rtnl_addr_alloc_cache(sock_.get(), &raw_addrs); err < 0) return nl_error("list addresses", err);
    NlCache addrs(raw_addrs);

    std::vector<InterfaceAddress> out;
    for (nl_object* obj = nl_cache_get_first(addrs.get()); obj; obj = nl_cache_get_next(obj)) {
        auto* a = reinterpret_cast<rtnl_addr*>(obj);
        int family = rtnl_addr_get_family(a);
        if (family != AF_INET && family != AF_INET6) continue;
        auto local = from_nl_addr(rtnl_addr_get_local(a));
        if (!local) continue;
        InterfaceAddress item;
        item.ifindex = rtnl_addr_get_ifindex(a);
        item.local = IpPrefix{*local, static_cast<std::uint8_t>(rtnl_addr_get_prefixlen(a))};
        item.peer = from_nl_addr(rtnl_addr_get_peer(a));
        if (item.peer == local) item.peer.reset();
        RtnlLink link(rtnl_link_get(links.get(), item.ifindex));
        if (link) {
            item.ifname = rtnl_link_get_name(link.get());
            item.loopback = (rtnl_link_get_flags(link.get()) & IFF_LOOPBACK) != 0;
        }
        out.push_back(std::move(item));
    }
    return out;
}

Result<std::optional<std::string>> LibnlNetlink::default_route_interface(Family family) {
    nl_cache* raw = nullptr;
    if (int err = rtnl_route_alloc_cache(sock_.get(), af(family), 0, &raw); err < 0) return nl_error("list routes", err);
    NlCache routes(raw);
    std::optional<std::string> best;
    std::uint32_t best_metric = UINT32_MAX;
    for (nl_object* obj = nl_cache_get_first(routes.get()); obj; obj = nl_cache_get_next(obj)) {
        auto* r = reinterpret_cast<rtnl_route*>(obj);
        if (rtnl_route_get_table(r) != main_table || rtnl_route_get_type(r) != RTN_UNICAST) continue;
        nl_addr* dst = rtnl_route_get_dst(r);
        if (dst && nl_addr_get_prefixlen(dst) != 0) continue;
        if (rtnl_route_get_nnexthops(r) < 1) continue;
        int ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0));
        char name[IF_NAMESIZE] = {};
        if (ifindex <= 0 || !if_indextoname(static_cast<unsigned>(ifindex), name)) continue;
        std::uint32_t metric = rtnl_route_get_priority(r);
        if (!best || metric < best_metric) {
            best = std::string(name);
            best_metric = metric;
        }
    }
    return best;
}

} // namespace pvpn::net
