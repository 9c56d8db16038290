#include "daemon/core/connection.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "daemon/net/pinger.hpp"
#include "daemon/tunnel/wg_quick_conf.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <random>

namespace pvpn::core {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Servers tried per connect before giving up (each costs one handshake wait).
constexpr std::size_t max_attempts = 3;
/// How long a new tunnel may take to complete its first handshake.
constexpr auto handshake_limit = 5000ms;
/// While waiting for it: how often WireGuard's status is read, and how often a
/// packet is sent into the tunnel to start (or retry) the handshake.
constexpr auto handshake_poll = 5ms;
constexpr auto handshake_nudge = 100ms;
/// `--fastest ping`: probes per server list and per-probe deadline.
constexpr std::size_t max_probes = 2000;
constexpr auto probe_timeout = 1000ms;

Error from_api(proton::ApiError const& e) {
    Error out = e.error;
    out.data = e.data();
    return out;
}

ChosenServer choose(proton::ServerList const& list, proton::LogicalServer const& logical, std::mt19937& rng) {
    ChosenServer s;
    s.name = logical.name;
    s.entry_country = logical.entry_country;
    s.exit_country = logical.exit_country;
    s.city = logical.city;
    s.features = logical.features;
    s.load = logical.load;
    if (auto const* phys = proton::pick_physical(list, logical, rng)) {
        s.entry_ip = phys->entry_ip;
        s.domain = phys->domain;
        s.public_key = phys->x25519_public_key;
    }
    return s;
}

json::array feature_array(std::uint32_t features) {
    json::array a;
    for (auto f : proton::feature_names(features)) a.emplace_back(f);
    return a;
}

} // namespace

std::string_view state_name(State state) {
    switch (state) {
    case State::disconnected: return "disconnected";
    case State::connecting: return "connecting";
    case State::connected: return "connected";
    case State::disconnecting: return "disconnecting";
    case State::error: return "error";
    }
    return "error";
}

std::string interface_for(ChosenServer const& server) { return tunnel::tunnel_ifname(server.exit_country); }

Connection::Connection(asio::io_context& io, Ports ports, ConfigStore& config, Publisher publish)
    : io_(io), executor_(io.get_executor()), ports_(ports), config_(config), publish_(std::move(publish)), since_(now_unix()),
      wake_(io), renew_timer_(io),
      forwarding_(executor_, config_, [this](json::object event) {
          if (publish_) publish_(std::move(event));
      }) {
    wake_.expires_at(asio::steady_timer::time_point::max());
}

Result<ProtonStack*> Connection::proton() {
    auto key = stack_key(config_.typed());
    if (stack_ && (stack_->key() == key || stack_users_ > 0)) return stack_.get();
    auto stack = ProtonStack::create(io_, config_, tunnel::default_fwmark);
    if (!stack) return stack.error();
    renew_timer_.cancel();
    stack_ = std::move(*stack);
    return stack_.get();
}

void Connection::set_state(State state, std::string reason) {
    if (state == state_ && reason == reason_) return;
    log::info("state", state_name(state_), " -> ", state_name(state), reason.empty() ? "" : ": ", reason);
    state_ = state;
    reason_ = std::move(reason);
    since_ = now_unix();
    if (publish_)
        publish_(json::object{{"type", "state"}, {"state", state_name(state)}, {"reason", reason_}});
}

asio::awaitable<void> Connection::lock() {
    while (busy_) {
        boost::system::error_code ec;
        co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    busy_ = true;
}

void Connection::unlock() {
    busy_ = false;
    wake_.cancel();
}

asio::awaitable<void> Connection::startup() {
    auto recovered = co_await ports_.tunnel.recover(tunnel::RecoverMode::clean);
    if (!recovered)
        log::error("tunnel", "cleaning up after the previous pvpnd failed: ", recovered.error().message);
    else if (*recovered == tunnel::Recovered::cleaned)
        log::info("tunnel", "removed the tunnel a previous pvpnd left behind");
    auto rules = ports_.firewall.current();
    if (rules && *rules) {
        // A previous pvpnd's kill-switch: keep blocking, but only what a
        // tunnel-less state allows (its endpoint may be stale).
        log::info("killswitch", "found pvpn's rules in force: keeping the kill-switch on");
        if (auto r = apply_firewall(firewall::Mode::blocked, nullptr, ""); !r)
            log::error("killswitch", "cannot re-apply the blocking rules (the old ones stay): ", r.error().message);
        killswitch_ = true;
        set_state(State::disconnected, "kill-switch kept from before the restart");
    }
}

Result<void> Connection::apply_firewall(firewall::Mode mode, ChosenServer const* server, std::string const& ifname) {
    auto const& cfg = config_.typed();
    firewall::Policy policy;
    policy.mode = mode;
    policy.allow_lan = cfg.network.allow_lan;
    policy.tunnel_interface = mode == firewall::Mode::blocked ? "" : ifname;
    if (server && mode != firewall::Mode::blocked) {
        boost::system::error_code ec;
        auto addr = asio::ip::make_address(server->entry_ip, ec);
        if (ec) return fail(Errc::tunnel_failed, "server " + server->name + " has a bad entry IP " + server->entry_ip);
        policy.endpoints.emplace_back(addr, cfg.protonvpn.wireguard_port);
        policy.tunnel_dns.push_back(asio::ip::make_address(tunnel::default_gateway));
    }
    auto addrs = ports_.netlink.list_addresses();
    if (!addrs) return addrs.error();
    policy.lan = net::connected_subnets(*addrs, ifname);
    for (auto const& a : *addrs) {
        if (a.ifname == "lo" || a.ifname == ifname || a.ifname.starts_with("wgp")) continue;
        if (std::find(policy.physical_interfaces.begin(), policy.physical_interfaces.end(), a.ifname) ==
            policy.physical_interfaces.end())
            policy.physical_interfaces.push_back(a.ifname);
    }
    if (auto r = ports_.firewall.apply(policy); !r) return r;
    killswitch_ = true;
    fw_mode_ = mode;
    return {};
}

asio::awaitable<Result<json::value>> Connection::connect(json::object const& p) {
    if (auto r = config_.load(); !r) co_return r.error();
    auto params = parse_connect_params(p, config_.typed());
    if (!params) co_return params.error();
    auto generation = ++generation_;
    co_await lock();
    if (superseded(generation)) {
        unlock();
        co_return fail(Errc::cancelled, "connect cancelled by a later command");
    }
    set_state(State::connecting, "connect requested");
    auto result = co_await run_connect(*params, generation);
    if (!result) {
        if (!superseded(generation)) {
            bool keep = params->ks;
            if (auto r = co_await teardown(keep); !r)
                log::error("connect", "cleaning up after the failure: ", r.error().message);
            set_state(keep ? State::error : State::disconnected, result.error().message);
        }
        unlock();
        co_return result.error();
    }
    unlock();
    co_return json::value(status());
}

asio::awaitable<Result<void>> Connection::run_connect(ConnectParams params, std::uint64_t generation) {
    auto const& cfg = config_.typed();
    auto stack_ptr = proton();
    if (!stack_ptr) co_return stack_ptr.error();
    auto& stack = **stack_ptr;
    ++stack_users_;
    struct Release {
        int& n;
        ~Release() { --n; }
    } release{stack_users_};
    if (cfg.protonvpn.user.empty() && !stack.session().current())
        co_return fail(Errc::not_configured, "no Proton account configured: run `pvpn init --proton`");
    if (params.ks) {
        // Arm the kill-switch before the first packet of this connection.
        if (auto r = apply_firewall(firewall::Mode::blocked, nullptr, ""); !r) co_return r.error();
    }
    std::string twofa = params.twofa;
    bool config_code = false;
    if (twofa.empty() && !cfg.protonvpn.twofa.empty()) {
        twofa = cfg.protonvpn.twofa;
        config_code = true;
    }
    std::optional<proton::HvToken> hv;
    if (!params.hv_token.empty()) hv = proton::HvToken{params.hv_token, "captcha"};
    auto session = co_await stack.session().ensure(twofa, hv);
    if (config_code) {
        // A TOTP code is good once: never reuse the one from config.ini.
        if (auto r = config_.clear_key("protonvpn", "2fa"); !r)
            log::warn("config", "cannot clear the used 2FA code: ", r.error().message);
    }
    if (!session) co_return from_api(session.error());
    if (superseded(generation)) co_return fail(Errc::cancelled, "connect cancelled by a later command");

    auto cache = co_await stack.servers().get();
    if (!cache) co_return from_api(cache.error());
    auto ranked = co_await rank(**cache, params.selection, params.selection.latency_cutoff_ms.has_value());
    if (!ranked) co_return ranked.error();
    if (superseded(generation)) co_return fail(Errc::cancelled, "connect cancelled by a later command");

    std::mt19937 rng{std::random_device{}()};
    Error last = fail(Errc::no_server, "no server matches");
    std::size_t attempts = 0;
    for (auto const& cand : *ranked) {
        if (attempts == max_attempts) break;
        auto const& logical = (*cache)->servers.logicals[cand.index];
        auto server = choose((*cache)->servers, logical, rng);
        if (server.entry_ip.empty()) continue;
        ++attempts;
        auto r = co_await try_server(stack, server, params, generation);
        if (r) co_return Result<void>{};
        if (superseded(generation)) co_return fail(Errc::cancelled, "connect cancelled by a later command");
        log::warn("connect", server.name, ": ", r.error().message);
        last = r.error();
        // Session and account problems do not get better on another server.
        if (last.code != Errc::network && last.code != Errc::tunnel_failed) break;
    }
    co_return last;
}

asio::awaitable<Result<std::vector<Connection::Candidate>>> Connection::rank(proton::ServerCache const& cache,
                                                                             Selection const& sel, bool stop_early) {
    proton::ServerFilter filter;
    filter.country = sel.cc;
    filter.secure_core = sel.sc;
    filter.p2p = sel.p2p;
    filter.max_load = sel.threshold;
    filter.max_tier = cache.max_tier;
    auto picked = proton::select_servers(cache.servers, filter);
    if (!picked) co_return picked.error();
    std::vector<Candidate> out;
    if (sel.fastest == Fastest::api) {
        for (auto i : *picked) out.push_back({i, std::nullopt});
        co_return out;
    }
    std::vector<std::uint32_t> probed(picked->begin(), picked->begin() + std::min(picked->size(), max_probes));
    std::vector<std::string> targets;
    targets.reserve(probed.size());
    for (auto i : probed) targets.emplace_back(proton::probe_address(cache.servers, cache.servers.logicals[i]));
    net::PingOptions opts;
    opts.timeout = probe_timeout;
    opts.concurrency = probed.size() + 1;
    if (stop_early && sel.latency_cutoff_ms)
        opts.cutoff = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::milliseconds(*sel.latency_cutoff_ms));
    auto pings = co_await net::ping_all(executor_, std::move(targets), opts);
    if (!pings) co_return pings.error();
    if (pings->first_under) {
        auto i = *pings->first_under;
        out.push_back({probed[i], pings->rtt[i]});
        for (std::size_t k = 0; k < probed.size(); ++k)
            if (k != i) out.push_back({probed[k], pings->rtt[k]});
        co_return out;
    }
    auto order = proton::rank_by_rtt(probed, pings->rtt);
    for (auto idx : order) {
        auto pos = static_cast<std::size_t>(std::find(probed.begin(), probed.end(), idx) - probed.begin());
        out.push_back({idx, pings->rtt[pos]});
    }
    co_return out;
}

asio::awaitable<Result<void>> Connection::try_server(ProtonStack& stack, ChosenServer const& server,
                                                     ConnectParams const& params, std::uint64_t generation) {
    auto const& cfg = config_.typed();
    bool want_pf = (server.features & proton::feature::p2p) != 0;
    auto cert = co_await stack.certificates().ensure(want_pf);
    if (!cert) co_return from_api(cert.error());
    if (superseded(generation)) co_return fail(Errc::cancelled, "connect cancelled by a later command");

    tunnel::TunnelSpec spec;
    spec.ifname = interface_for(server);
    spec.private_key = stack.certificates().key().wg_private_key();
    spec.peer_public_key = server.public_key;
    spec.endpoint = server.entry_ip + ":" + std::to_string(cfg.protonvpn.wireguard_port);
    spec.use_dns = params.dns;
    if (params.ks) {
        if (auto r = apply_firewall(firewall::Mode::connecting, &server, spec.ifname); !r) co_return r.error();
    }
    forwarding_.stop();  // the lease and qBittorrent's port belong to the tunnel about to change
    auto info = ports_.tunnel.info();
    bool same_shape = info && info->ifname == spec.ifname && (info->dns_servers.empty() != params.dns);
    if (same_shape) {
        if (auto r = ports_.tunnel.switch_peer({spec.peer_public_key, spec.endpoint}); !r) co_return r.error();
    } else {
        if (info) {
            if (auto r = co_await ports_.tunnel.down(); !r) co_return r.error();
        }
        if (auto r = co_await ports_.tunnel.up(spec); !r) co_return r.error();
    }
    if (!co_await wait_for_handshake(handshake_limit)) {
        auto down = co_await ports_.tunnel.down();
        if (!down) log::error("tunnel", down.error().message);
        co_return fail(Errc::network, "no WireGuard handshake with " + server.name + " (" + spec.endpoint + ") within " +
                                          std::to_string(handshake_limit.count() / 1000) + " s");
    }
    if (params.ks) {
        if (auto r = apply_firewall(firewall::Mode::connected, &server, spec.ifname); !r) co_return r.error();
    }
    server_ = server;
    params_ = params;
    if (!params.ks && killswitch_) {
        // Connecting with --ks false turns an earlier kill-switch off.
        if (auto r = ports_.firewall.reset(); !r) co_return r.error();
        killswitch_ = false;
        fw_mode_ = firewall::Mode::off;
    }
    set_state(State::connected, "connected to " + server.name);
    schedule_certificate_renewal();
    forwarding_.start(spec.ifname);
    // Let the port request and qBittorrent's login go out before the file is
    // written: a write that is synced to disk can take tens of milliseconds.
    co_await asio::post(executor_, asio::use_awaitable);
    tunnel::WgQuickConf conf;
    conf.private_key = spec.private_key;
    conf.address = spec.address;
    conf.dns = params.dns ? spec.dns_servers : std::vector<std::string>{};
    conf.peer_public_key = spec.peer_public_key;
    conf.endpoint = spec.endpoint;
    conf.persistent_keepalive = spec.persistent_keepalive;
    if (auto dir = ensure_private_dir(config_.wireguard_dir()); dir) {
        auto file = config_.wireguard_dir() / (spec.ifname + ".conf");
        if (auto w = write_file_atomic(file, tunnel::render_wg_quick_conf(conf), 0600); !w)
            log::warn("connect", "cannot write ", file.string(), ": ", w.error().message);
    }
    co_return Result<void>{};
}

asio::awaitable<bool> Connection::wait_for_handshake(std::chrono::milliseconds limit) {
    auto const start = std::chrono::steady_clock::now();
    auto const deadline = start + limit;
    auto next_nudge = start;
    asio::steady_timer timer(executor_);
    while (std::chrono::steady_clock::now() < deadline) {
        // WireGuard reports the handshake as soon as the server's answer is in,
        // a round trip before a ping through the tunnel could come back.
        auto st = ports_.tunnel.status();
        if (st && st->last_handshake > 0) co_return true;
        if (std::chrono::steady_clock::now() >= next_nudge) {
            // A packet into the tunnel makes WireGuard start its handshake now
            // (or try again); its answer is not waited for.
            net::PingOptions opts;
            opts.timeout = handshake_poll;
            std::vector<std::string> gateway{std::string(tunnel::default_gateway)};
            auto r = co_await net::ping_all(executor_, std::move(gateway), opts);
            if (r && !r->rtt.empty() && r->rtt[0]) co_return true;
            next_nudge = std::chrono::steady_clock::now() + handshake_nudge;
            continue;
        }
        timer.expires_after(handshake_poll);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return false;
}

asio::awaitable<Result<void>> Connection::teardown(bool keep_killswitch) {
    renew_timer_.cancel();
    forwarding_.stop();
    auto down = co_await ports_.tunnel.down();
    Result<void> fw;
    if (keep_killswitch)
        fw = apply_firewall(firewall::Mode::blocked, nullptr, "");
    else if (killswitch_) {
        fw = ports_.firewall.reset();
        if (fw) {
            killswitch_ = false;
            fw_mode_ = firewall::Mode::off;
        }
    }
    server_.reset();
    if (!down) co_return down.error();
    co_return fw;
}

asio::awaitable<Result<json::value>> Connection::disconnect(json::object const& p) {
    auto params = parse_disconnect_params(p);
    if (!params) co_return params.error();
    ++generation_;  // cancels a connect in progress at its next step
    co_await lock();
    bool keep = params->ks.value_or(killswitch_);
    set_state(State::disconnecting, "disconnect requested");
    auto r = co_await teardown(keep);
    params_.reset();
    set_state(State::disconnected, keep ? "disconnected; kill-switch still blocking" : "disconnected");
    unlock();
    if (!r) co_return r.error();
    co_return json::value(status());
}

asio::awaitable<Result<json::value>> Connection::list(json::object const& p) {
    if (auto r = config_.load(); !r) co_return r.error();
    auto sel = parse_list_params(p, config_.typed());
    if (!sel) co_return sel.error();
    auto stack_ptr = proton();
    if (!stack_ptr) co_return stack_ptr.error();
    ++stack_users_;
    struct Release {
        int& n;
        ~Release() { --n; }
    } release{stack_users_};
    auto cache = co_await (*stack_ptr)->servers().get();
    if (!cache) co_return from_api(cache.error());
    auto ranked = co_await rank(**cache, *sel, false);
    if (!ranked) co_return ranked.error();
    json::array servers;
    servers.reserve(ranked->size());
    for (auto const& c : *ranked) servers.emplace_back(proton::server_json((*cache)->servers.logicals[c.index], c.rtt));
    json::object out;
    out["total"] = servers.size();
    out["servers"] = std::move(servers);
    out["sorted_by"] = sel->fastest == Fastest::ping ? "latency" : "score";
    co_return json::value(std::move(out));
}

void Connection::schedule_certificate_renewal() {
    if (!stack_) return;
    auto const& cert = stack_->certificates().current();
    if (!cert) return;
    auto wait = std::max<std::int64_t>(cert->refresh_time - now_unix(), 10);
    renew_timer_.expires_after(std::chrono::seconds(wait));
    renew_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || state_ != State::connected) return;
        asio::co_spawn(executor_, [this]() -> asio::awaitable<void> {
            if (!stack_) co_return;
            auto r = co_await stack_->certificates().renew();
            if (!r)
                log::warn("cert", "renewing the certificate failed (will retry): ", r.error().error.message);
            schedule_certificate_renewal();
        }, asio::detached);
    });
}

json::object Connection::status() {
    json::object s;
    s["state"] = state_name(state_);
    s["since"] = since_;
    s["reason"] = reason_;
    if (server_) {
        s["server"] = json::object{{"name", server_->name},        {"country", server_->exit_country},
                                   {"entry_country", server_->entry_country}, {"city", server_->city},
                                   {"entry_ip", server_->entry_ip}, {"features", feature_array(server_->features)},
                                   {"load", server_->load}};
    } else {
        s["server"] = nullptr;
    }
    auto tun = ports_.tunnel.status();
    if (tun) {
        s["tunnel"] = json::object{{"interface", tun->ifname},
                                   {"backend", tun->backend},
                                   {"address", tunnel::default_address},
                                   {"endpoint", tun->endpoint},
                                   {"peer_public_key", tun->peer_public_key},
                                   {"last_handshake", tun->last_handshake},
                                   {"rx_bytes", tun->rx_bytes},
                                   {"tx_bytes", tun->tx_bytes}};
        json::array dns;
        for (auto const& d : tun->dns_servers) dns.emplace_back(d);
        s["dns"] = json::object{{"mode", tun->dns_servers.empty() ? "system" : "proton"}, {"servers", dns}};
    } else {
        s["tunnel"] = nullptr;
        s["dns"] = json::object{{"mode", "system"}, {"servers", json::array{}}};
    }
    auto rules = ports_.firewall.current();
    bool active = rules && *rules;
    s["killswitch"] = json::object{
        {"enabled", killswitch_},
        {"active", active},
        {"mode", active ? std::string(firewall::mode_name(fw_mode_)) : "off"},
        {"allow_lan", config_.typed().network.allow_lan},
        {"rules", active ? std::string(ports_.firewall.backend()) + ": table inet pvpn" : std::string("none")}};
    s["port_forwarding"] = forwarding_.port_status();
    s["qbittorrent"] = forwarding_.qbt_status();
    s["monitor"] = nullptr;
    json::array warnings;
    for (auto const& w : config_.warnings()) warnings.emplace_back(w);
    for (auto const& w : forwarding_.warnings()) warnings.emplace_back(w);
    s["warnings"] = std::move(warnings);
    return s;
}

} // namespace pvpn::core
