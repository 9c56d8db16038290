#include "daemon/tunnel/routing.hpp"

namespace pvpn::tunnel {

RoutingPlan plan_full_tunnel(RoutingSpec const& spec) {
    RoutingPlan plan;
    auto any4 = net::IpPrefix::parse("0.0.0.0/0").value();
    plan.routes.push_back(net::Route{any4, spec.ifname, spec.table, net::RouteType::unicast});
    if (spec.ipv6) {
        auto any6 = net::IpPrefix::parse("::/0").value();
        plan.routes.push_back(net::Route{any6, "", spec.table, net::RouteType::unreachable});
    }
    std::vector<net::Family> families{net::Family::ipv4};
    if (spec.ipv6) families.push_back(net::Family::ipv6);
    for (auto family : families) {
        net::Rule suppress;
        suppress.family = family;
        suppress.priority = spec.rule_priority;
        suppress.table = net::main_table;
        suppress.suppress_prefixlength = 0;
        plan.rules.push_back(suppress);

        net::Rule marked;
        marked.family = family;
        marked.priority = spec.rule_priority + 1;
        marked.fwmark = spec.fwmark;
        marked.invert = true;
        marked.table = spec.table;
        plan.rules.push_back(marked);
    }
    return plan;
}

std::string render_plan(RoutingPlan const& plan) {
    std::string out;
    for (auto const& r : plan.routes) out += describe(r) + "\n";
    for (auto const& r : plan.rules) out += describe(r) + "\n";
    return out;
}

} // namespace pvpn::tunnel
