#include "daemon/tunnel/tunnel.hpp"

// GCC 12 reports a false -Wmismatched-new-delete on asio coroutine frames at
// -O2 (GCC bug 109224, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "common/atomic_file.hpp"
#include "common/bytes.hpp"
#include "common/log.hpp"
#include "daemon/wg/key.hpp"

#include <algorithm>
#include <cctype>

namespace pvpn::tunnel {

namespace {

constexpr char const* all_ipv4 = "0.0.0.0/0";
constexpr char const* all_ipv6 = "::/0";

Error tunnel_error(std::string const& ifname, std::string const& message) {
    return fail(Errc::tunnel_failed, "tunnel " + ifname + ": " + message);
}

wg::PeerConfig peer_config(std::string const& public_key, std::string const& endpoint, std::uint16_t keepalive) {
    return wg::PeerConfig{public_key, endpoint, {all_ipv4, all_ipv6}, keepalive};
}

Result<void> validate(TunnelSpec const& spec) {
    if (auto r = validate_ifname(spec.ifname); !r) return r;
    auto private_key = wg::decode_key(spec.private_key, "private key");
    if (!private_key) return private_key.error();
    wg::wipe_key(*private_key);
    if (auto k = wg::decode_key(spec.peer_public_key, "server public key"); !k) return k.error();
    if (auto e = net::parse_endpoint(spec.endpoint); !e) return e.error();
    auto address = net::IpPrefix::parse(spec.address);
    if (!address) return address.error();
    if (!address->is_v4()) return fail(Errc::invalid_params, "the tunnel address must be IPv4: " + spec.address);
    auto gateway = net::IpPrefix::parse(spec.gateway);
    if (!gateway || gateway->length != 32)
        return fail(Errc::invalid_params, "the tunnel gateway must be an IPv4 address: " + spec.gateway);
    if (spec.use_dns) {
        if (spec.dns_servers.empty()) return fail(Errc::invalid_params, "no DNS server for the tunnel");
        for (auto const& s : spec.dns_servers)
            if (auto p = net::IpPrefix::parse(s); !p || p->length != net::max_prefix_length(p->address))
                return fail(Errc::invalid_params, "DNS server \"" + s + "\" is not an IP address");
    }
    if (spec.mtu < 1280 || spec.mtu > 9000)
        return fail(Errc::invalid_params, "tunnel MTU " + std::to_string(spec.mtu) + " is out of range");
    return {};
}

} // namespace

std::string tunnel_ifname(std::string_view country_code) {
    std::string out = "wgp";
    for (char c : country_code) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

Result<void> validate_ifname(std::string_view ifname) {
    bool ok = !ifname.empty() && ifname.size() <= 15 && ifname != "." && ifname != "..";
    for (char c : ifname)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') ok = false;
    if (!ok) return fail(Errc::invalid_params, "\"" + std::string(ifname) + "\" is not a valid interface name");
    return {};
}

Tunnel::Tunnel(net::Netlink& netlink, wg::WireGuard& wireguard, dns::Dns& dns, std::filesystem::path run_dir)
    : netlink_(netlink), wg_(wireguard), dns_(dns), run_dir_(std::move(run_dir)) {}

std::optional<TunnelInfo> Tunnel::info() const {
    if (!journal_) return std::nullopt;
    return journal_->info;
}

Result<void> Tunnel::record(Step step) {
    journal_->steps.push_back(std::move(step));
    return save_journal(journal_path(), *journal_);
}

void Tunnel::forget_last() {
    journal_->steps.pop_back();
    if (auto r = save_journal(journal_path(), *journal_); !r) log::warn("tunnel", r.error().message);
}

boost::asio::awaitable<Result<void>> Tunnel::up(TunnelSpec spec) {
    if (!spec.private_key.empty()) log::add_secret(spec.private_key);
    if (busy_) co_return fail(Errc::busy, "the tunnel is busy with another change");
    if (journal_) co_return fail(Errc::tunnel_failed, "tunnel " + journal_->info.ifname + " is already up");
    if (auto v = validate(spec); !v) co_return v.error();
    if (auto dir = ensure_private_dir(run_dir_); !dir) co_return dir.error();
    if (std::filesystem::exists(journal_path()))
        co_return fail(Errc::tunnel_failed, journal_path().string() + " lists changes of an earlier run; recover first");

    busy_ = true;
    journal_ = Journal{TunnelInfo{spec.ifname, spec.peer_public_key, spec.endpoint, spec.address, spec.gateway,
                                  spec.use_dns ? spec.dns_servers : std::vector<std::string>{}, spec.fwmark,
                                  spec.table, spec.persistent_keepalive},
                       {}};
    auto result = co_await bring_up(spec);
    if (!result) {
        log::error("tunnel", result.error().message, "; undoing what was done");
        if (auto undone = co_await undo_all(); !undone)
            log::error("tunnel", "could not undo everything: ", undone.error().message);
        busy_ = false;
        co_return fail(Errc::tunnel_failed, result.error().message);
    }
    busy_ = false;
    log::info("tunnel", spec.ifname, " is up (", wg_.backend(), ", endpoint ", spec.endpoint, ")");
    co_return Result<void>{};
}

boost::asio::awaitable<Result<void>> Tunnel::bring_up(TunnelSpec const& spec) {
    std::string const& ifname = spec.ifname;
    if (auto saved = save_journal(journal_path(), *journal_); !saved) co_return saved.error();

    // 1. The device.
    if (auto r = record(DeviceStep{ifname, std::string(wg_.backend()), std::nullopt}); !r) co_return r.error();
    auto device = co_await wg_.create(ifname);
    if (!device) {
        forget_last();
        co_return tunnel_error(ifname, device.error().message);
    }
    std::get<DeviceStep>(journal_->steps.back()).pid = device->pid;
    if (auto r = save_journal(journal_path(), *journal_); !r) co_return r.error();

    // 2. Key, mark and peer.
    wg::DeviceConfig config;
    config.private_key = spec.private_key;
    config.fwmark = spec.fwmark;
    config.peers.push_back(peer_config(spec.peer_public_key, spec.endpoint, spec.persistent_keepalive));
    auto configured = wg_.configure(ifname, config);
    wipe(config.private_key);
    if (!configured) co_return tunnel_error(ifname, configured.error().message);

    // 3. Address, 4. MTU and up.
    net::LinkAddress address{net::IpPrefix::parse(spec.address).value(),
                             net::IpPrefix::parse(spec.gateway).value().address};
    if (auto r = netlink_.add_address(ifname, address); !r) co_return tunnel_error(ifname, r.error().message);
    if (auto r = netlink_.set_link_up(ifname, spec.mtu); !r) co_return tunnel_error(ifname, r.error().message);

    // 5. Routes, then rules.
    RoutingSpec routing{ifname, spec.fwmark, spec.table, spec.rule_priority, netlink_.ipv6_supported()};
    if (!routing.ipv6) log::info("tunnel", "the kernel has no IPv6; only IPv4 is routed");
    auto plan = plan_full_tunnel(routing);
    for (auto const& route : plan.routes) {
        if (auto r = record(RouteStep{route}); !r) co_return r.error();
        auto added = netlink_.add_route(route);
        if (!added || !*added) {
            forget_last();
            co_return tunnel_error(ifname, added ? "add " + describe(route) + ": File exists" : added.error().message);
        }
    }
    for (auto const& rule : plan.rules) {
        if (auto r = record(RuleStep{rule}); !r) co_return r.error();
        auto added = netlink_.add_rule(rule);
        if (!added || !*added) {
            forget_last();
            co_return tunnel_error(ifname, added ? "add " + describe(rule) + ": File exists" : added.error().message);
        }
    }

    // 6. DNS.
    if (spec.use_dns) {
        if (auto r = record(DnsStep{ifname, std::string(dns_.backend())}); !r) co_return r.error();
        if (auto r = dns_.apply(ifname, spec.dns_servers); !r) co_return tunnel_error(ifname, r.error().message);
    }
    co_return Result<void>{};
}

boost::asio::awaitable<Result<void>> Tunnel::undo(Step const& step) {
    if (std::holds_alternative<DnsStep>(step)) co_return dns_.revert();
    if (auto const* s = std::get_if<RuleStep>(&step)) {
        auto r = netlink_.delete_rule(s->rule);
        if (!r) co_return r.error();
        co_return Result<void>{};
    }
    if (auto const* s = std::get_if<RouteStep>(&step)) {
        auto r = netlink_.delete_route(s->route);
        if (!r) co_return r.error();
        co_return Result<void>{};
    }
    auto const& recorded = std::get<DeviceStep>(step);
    // A named argument: GCC 12 destroys a temporary passed to a coroutine
    // inside co_await twice.
    wg::Device device{recorded.ifname, recorded.pid};
    auto destroyed = co_await wg_.destroy(device);
    co_return destroyed;
}

boost::asio::awaitable<Result<void>> Tunnel::undo_all() {
    std::vector<Step> failed;
    std::optional<Error> first_error;
    while (!journal_->steps.empty()) {
        Step step = journal_->steps.back();
        journal_->steps.pop_back();
        auto r = co_await undo(step);
        if (!r) {
            log::error("tunnel", "undo: ", r.error().message);
            failed.insert(failed.begin(), std::move(step));
            if (!first_error) first_error = r.error();
        }
    }
    if (failed.empty()) {
        journal_.reset();
        if (auto r = remove_journal(journal_path()); !r) co_return r.error();
        co_return Result<void>{};
    }
    journal_->steps = std::move(failed);
    if (auto r = save_journal(journal_path(), *journal_); !r) log::error("tunnel", r.error().message);
    co_return fail(Errc::tunnel_failed, "tunnel " + journal_->info.ifname + " was not fully removed: " +
                                            first_error->message);
}

boost::asio::awaitable<Result<void>> Tunnel::down() {
    if (busy_) co_return fail(Errc::busy, "the tunnel is busy with another change");
    if (!journal_) {
        auto loaded = load_journal(journal_path());
        if (!loaded) co_return loaded.error();
        if (!*loaded) co_return Result<void>{};
        journal_ = std::move(**loaded);
    }
    busy_ = true;
    std::string ifname = journal_->info.ifname;
    auto result = co_await undo_all();
    busy_ = false;
    if (result) log::info("tunnel", ifname, " is down");
    co_return result;
}

Result<void> Tunnel::switch_peer(PeerSpec const& peer) {
    if (busy_) return fail(Errc::busy, "the tunnel is busy with another change");
    if (!journal_) return fail(Errc::tunnel_failed, "no tunnel is up to switch");
    if (auto k = wg::decode_key(peer.public_key, "server public key"); !k) return k.error();
    if (auto e = net::parse_endpoint(peer.endpoint); !e) return e.error();
    auto& info = journal_->info;
    wg::DeviceConfig config;
    config.replace_peers = true;  // the old peer goes in the same request: no moment with two
    config.peers.push_back(peer_config(peer.public_key, peer.endpoint, info.keepalive));
    if (auto r = wg_.configure(info.ifname, config); !r) return tunnel_error(info.ifname, r.error().message);
    info.peer_public_key = peer.public_key;
    info.endpoint = peer.endpoint;
    if (auto r = save_journal(journal_path(), *journal_); !r) log::warn("tunnel", r.error().message);
    log::info("tunnel", info.ifname, " now goes to ", peer.endpoint);
    return {};
}

Result<void> Tunnel::reassert(Journal const& journal) {
    for (auto const& step : journal.steps) {
        if (auto const* route = std::get_if<RouteStep>(&step)) {
            if (auto r = netlink_.add_route(route->route); !r) return r.error();
        } else if (auto const* rule = std::get_if<RuleStep>(&step)) {
            if (auto r = netlink_.add_rule(rule->rule); !r) return r.error();
        } else if (auto const* dns = std::get_if<DnsStep>(&step)) {
            if (auto r = dns_.apply(dns->ifname, journal.info.dns_servers); !r) return r.error();
        }
    }
    return {};
}

boost::asio::awaitable<Result<Recovered>> Tunnel::recover(RecoverMode mode) {
    if (busy_) co_return fail(Errc::busy, "the tunnel is busy with another change");
    if (journal_) co_return fail(Errc::tunnel_failed, "tunnel " + journal_->info.ifname + " is already up");
    auto loaded = load_journal(journal_path());
    if (!loaded) {
        // Unreadable: keep it for a human, out of the way of the next up().
        std::error_code ec;
        std::filesystem::rename(journal_path(), run_dir_ / "tunnel.json.bad", ec);
        co_return fail(Errc::tunnel_failed, loaded.error().message + " (moved to tunnel.json.bad; check the system by hand)");
    }
    if (!*loaded) {
        // No tunnel, but DNS may still be ours (the run dir does not survive a reboot, /etc does).
        if (auto r = dns_.revert(); !r) co_return r.error();
        co_return Recovered::nothing;
    }
    journal_ = std::move(**loaded);
    std::string const ifname = journal_->info.ifname;
    busy_ = true;
    if (mode == RecoverMode::adopt) {
        auto found = wg_.find(ifname);
        if (found && *found) {
            for (auto& step : journal_->steps)
                if (auto* d = std::get_if<DeviceStep>(&step); d && (*found)->pid) d->pid = (*found)->pid;
            auto reasserted = reassert(*journal_);
            if (reasserted) {
                if (auto r = save_journal(journal_path(), *journal_); !r) log::warn("tunnel", r.error().message);
                busy_ = false;
                log::info("tunnel", "adopted ", ifname, " left by an earlier pvpnd");
                co_return Recovered::adopted;
            }
            log::warn("tunnel", "cannot adopt ", ifname, ": ", reasserted.error().message, "; removing it");
        } else {
            log::info("tunnel", ifname, " from an earlier pvpnd is gone; cleaning what it left");
        }
    }
    auto cleaned = co_await undo_all();
    busy_ = false;
    if (!cleaned) co_return cleaned.error();
    log::info("tunnel", "removed what an earlier pvpnd left of ", ifname);
    co_return Recovered::cleaned;
}

Result<TunnelStatus> Tunnel::status() {
    if (!journal_) return fail(Errc::tunnel_failed, "the tunnel is down");
    auto const& info = journal_->info;
    auto device = wg_.status(info.ifname);
    if (!device) return device.error();
    TunnelStatus out;
    out.ifname = info.ifname;
    out.backend = std::string(wg_.backend());
    out.endpoint = info.endpoint;
    out.peer_public_key = info.peer_public_key;
    out.dns_servers = info.dns_servers;
    for (auto const& peer : device->peers) {
        if (peer.public_key != info.peer_public_key) continue;
        out.last_handshake = peer.last_handshake;
        out.rx_bytes = peer.rx_bytes;
        out.tx_bytes = peer.tx_bytes;
    }
    return out;
}

} // namespace pvpn::tunnel
