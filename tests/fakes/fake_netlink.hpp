// An in-memory Netlink: links, addresses, routes and rules as data, every
// call logged, and any call made to fail on demand. state() renders it as
// text so that tests compare "before" and "after".
#pragma once

#include "daemon/net/netlink.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pvpn::test {

class FakeNetlink final : public net::Netlink {
public:
    struct Link {
        int index = 0;
        std::string kind;
        bool up = false;
        unsigned mtu = 1500;
        std::vector<std::string> addresses;
    };

    std::map<std::string, Link> links;
    std::vector<net::Route> routes;
    std::vector<net::Rule> rules;
    std::vector<net::InterfaceAddress> addresses;  ///< What list_addresses() returns
    std::vector<std::string> calls;                ///< "add_route route 0.0.0.0/0 dev wgpch table 51820", ...
    std::set<std::string> fail_calls;              ///< A call whose log line starts with one of these fails
    bool ipv6 = true;

    /// Links, routes and rules as sorted text.
    std::string state() const {
        std::vector<std::string> lines;
        for (auto const& [name, link] : links) {
            std::string line = "link " + name + " " + link.kind + (link.up ? " up" : " down") + " mtu " +
                               std::to_string(link.mtu);
            for (auto const& a : link.addresses) line += " " + a;
            lines.push_back(line);
        }
        for (auto const& r : routes) lines.push_back(net::describe(r));
        for (auto const& r : rules) lines.push_back(net::describe(r));
        std::sort(lines.begin(), lines.end());
        std::string out;
        for (auto const& l : lines) out += l + "\n";
        return out;
    }

    Result<int> link_index(std::string const& name) override {
        auto it = links.find(name);
        if (it == links.end()) return fail(Errc::internal, "link " + name + ": Object not found");
        return it->second.index;
    }
    Result<bool> link_exists(std::string const& name) override { return links.count(name) > 0; }
    Result<void> add_link(std::string const& name, std::string const& kind) override {
        if (auto e = call("add_link " + name)) return *e;
        if (links.count(name)) return fail(Errc::internal, "add link " + name + ": File exists");
        links[name] = Link{next_index_++, kind, false, 1500, {}};
        return {};
    }
    Result<bool> delete_link(std::string const& name) override {
        if (auto e = call("delete_link " + name)) return *e;
        if (!links.erase(name)) return false;
        routes.erase(std::remove_if(routes.begin(), routes.end(), [&](auto const& r) { return r.device == name; }),
                     routes.end());
        return true;
    }
    Result<void> set_link_up(std::string const& name, unsigned mtu) override {
        if (auto e = call("set_link_up " + name)) return *e;
        auto it = links.find(name);
        if (it == links.end()) return fail(Errc::internal, "set link " + name + " up: No such device");
        it->second.up = true;
        it->second.mtu = mtu;
        return {};
    }
    Result<void> add_address(std::string const& name, net::LinkAddress const& address) override {
        if (auto e = call("add_address " + name)) return *e;
        auto it = links.find(name);
        if (it == links.end()) return fail(Errc::internal, "add address: No such device");
        std::string text = address.local.to_string();
        if (address.peer) text += " peer " + address.peer->to_string();
        it->second.addresses.push_back(text);
        return {};
    }
    Result<bool> add_route(net::Route const& route) override {
        if (auto e = call("add_route " + net::describe(route))) return *e;
        if (!route.device.empty() && !links.count(route.device))
            return fail(Errc::internal, "add " + net::describe(route) + ": no such device");
        if (std::find(routes.begin(), routes.end(), route) != routes.end()) return false;
        routes.push_back(route);
        return true;
    }
    Result<bool> delete_route(net::Route const& route) override {
        if (auto e = call("delete_route " + net::describe(route))) return *e;
        auto it = std::find(routes.begin(), routes.end(), route);
        if (it == routes.end()) return false;
        routes.erase(it);
        return true;
    }
    Result<bool> add_rule(net::Rule const& rule) override {
        if (auto e = call("add_rule " + net::describe(rule))) return *e;
        if (std::find(rules.begin(), rules.end(), rule) != rules.end()) return false;
        rules.push_back(rule);
        return true;
    }
    Result<bool> delete_rule(net::Rule const& rule) override {
        if (auto e = call("delete_rule " + net::describe(rule))) return *e;
        auto it = std::find(rules.begin(), rules.end(), rule);
        if (it == rules.end()) return false;
        rules.erase(it);
        return true;
    }
    bool ipv6_supported() override { return ipv6; }
    Result<std::vector<net::InterfaceAddress>> list_addresses() override { return addresses; }
    Result<std::optional<std::string>> default_route_interface(net::Family) override {
        return std::optional<std::string>{};
    }

private:
    std::optional<Error> call(std::string line) {
        calls.push_back(line);
        for (auto const& prefix : fail_calls)
            if (line.compare(0, prefix.size(), prefix) == 0)
                return fail(Errc::internal, "injected failure: " + line);
        return std::nullopt;
    }

    int next_index_ = 10;
};

} // namespace pvpn::test
