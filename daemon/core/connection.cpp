#include "daemon/core/connection.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "daemon/firewall/local_network.hpp"
#include "daemon/firewall/status.hpp"
#include "daemon/net/pinger.hpp"
#include "daemon/tunnel/wg_quick_conf.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

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

/// Releases a ProtonStack reference at scope end.
struct StackUse {
    explicit StackUse(int& users) : n(users) { ++n; }
    ~StackUse() { --n; }
    StackUse(StackUse const&) = delete;
    StackUse& operator=(StackUse const&) = delete;
    int& n;
};

} // namespace

std::string_view state_name(State state) {
    switch (state) {
    case State::disconnected: return "disconnected";
    case State::connecting: return "connecting";
    case State::connected: return "connected";
    case State::reconnecting: return "reconnecting";
    case State::disconnecting: return "disconnecting";
    case State::error: return "error";
    }
    return "error";
}

Connection::Connection(asio::io_context& io, Ports ports, ConfigStore& config, std::filesystem::path resume_file,
                       Publisher publish)
    : io_(io), executor_(io.get_executor()), ports_(ports), config_(config), resume_file_(std::move(resume_file)),
      publish_(std::move(publish)), since_(now_unix()), wake_(io), renew_timer_(io),
      forwarding_(executor_, config_,
                  [this](json::object event) {
                      if (publish_) publish_(std::move(event));
                  }),
      monitor_(executor_, ports.probe, [this](health::Report const& report) { on_check(report); }), retry_timer_(io),
      rng_(std::random_device{}()) {
    wake_.expires_at(asio::steady_timer::time_point::max());
}

Result<ProtonStack*> Connection::proton() {
    auto key = stack_key(config_.typed());
    if (stack_ && (stack_->key() == key || stack_users_ > 0)) return stack_.get();
    auto stack = ProtonStack::create(io_, config_, tunnel::default_fwmark);
    if (!stack) return stack.error();
    ++cert_run_;
    renew_timer_.cancel();
    stack_ = std::move(*stack);
    if (state_ == State::connected) asio::co_spawn(executor_, keep_certificate(cert_run_), asio::detached);
    return stack_.get();
}

void Connection::set_state(State state, std::string reason) {
    if (state != State::connected) {
        // A connection's background work runs exactly while it is connected.
        monitor_.stop();
        ++cert_run_;
        renew_timer_.cancel();
    }
    if (state == state_ && reason == reason_) return;
    log::info("state", state_name(state_), " -> ", state_name(state), reason.empty() ? "" : ": ", reason);
    state_ = state;
    reason_ = std::move(reason);
    since_ = now_unix();
    if (state == State::connected) {
        health_ = health::Health::healthy;
        monitor_.start(monitor_settings());
        asio::co_spawn(executor_, keep_certificate(++cert_run_), asio::detached);
    }
    if (publish_)
        publish_(json::object{{"type", "state"}, {"state", state_name(state)}, {"reason", reason_}});
}

health::Settings Connection::monitor_settings() const {
    auto const& m = config_.typed().monitor;
    return health::Settings{m.interval, m.failures, m.latency_threshold};
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

std::uint64_t Connection::supersede() {
    retry_timer_.cancel();
    return ++generation_;
}

void Connection::remember(ChosenServer const* server) {
    if (!params_) return;
    ResumeState state{*params_, std::nullopt};
    if (server) state.server = *server;
    if (auto r = save_resume(resume_file_, state); !r)
        log::warn("resume", "cannot save the connection for a restart: ", r.error().message);
}

void Connection::forget() {
    if (auto r = forget_resume(resume_file_); !r) log::warn("resume", r.error().message);
}

asio::awaitable<void> Connection::startup() {
    auto const& cfg = config_.typed();
    std::optional<ResumeState> wanted;
    if (auto loaded = load_resume(resume_file_, cfg); !loaded)
        log::warn("resume", "ignoring the saved connection: ", loaded.error().message);
    else
        wanted = *loaded;
    if (wanted && !cfg.service.resume) {
        log::info("resume", "[service] resume = false: not resuming the previous connection");
        wanted.reset();
        forget();
    }
    auto mode = wanted && wanted->server ? tunnel::RecoverMode::adopt : tunnel::RecoverMode::clean;
    auto recovered = co_await ports_.tunnel.recover(mode);
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
    if (wanted) {
        resume(*wanted, recovered && *recovered == tunnel::Recovered::adopted);
    } else if (cfg.service.autoconnect) {
        auto params = parse_connect_params(json::object{}, cfg);
        if (!params) {
            log::error("connect", "[service] autoconnect: ", params.error().message);
            co_return;
        }
        params_ = *params;
        remember(nullptr);
        start_recovery("[service] autoconnect", false);
    }
}

void Connection::resume(ResumeState const& wanted, bool adopted) {
    params_ = wanted.params;
    auto info = ports_.tunnel.info();
    auto const port = std::to_string(config_.typed().protonvpn.wireguard_port);
    bool usable = adopted && wanted.server && info && info->ifname == interface_for(*wanted.server) &&
                  info->peer_public_key == wanted.server->public_key &&
                  info->endpoint == wanted.server->entry_ip + ":" + port;
    if (usable && wanted.params.ks) {
        if (auto r = apply_firewall(firewall::Mode::connected, &*wanted.server, info->ifname); !r) {
            log::error("killswitch", "cannot open the kill-switch for the resumed tunnel: ", r.error().message);
            usable = false;
        }
    }
    if (!usable) {
        start_recovery("resuming the connection after a pvpnd restart", false);
        return;
    }
    if (!wanted.params.ks && killswitch_) {
        if (auto r = ports_.firewall.reset(); !r) log::error("killswitch", r.error().message);
        else killswitch_ = false, fw_mode_ = firewall::Mode::off;
    }
    server_ = wanted.server;
    std::optional<agent::AgentLogin> agent_login;
    if (auto stack = proton(); !stack) {
        log::warn("resume", "the certificate will not be renewed: ", stack.error().message);
    } else if (auto const& cert = (*stack)->certificates().current(); cert) {
        agent_login = agent::AgentLogin{server_->domain, cert->certificate_pem,
                                        (*stack)->certificates().key().private_pem()};
    }
    set_state(State::connected, "resumed the connection to " + server_->name + " after a pvpnd restart");
    forwarding_.start(info->ifname, std::move(agent_login));
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
    auto const every_tunnel = tunnel::tunnel_ifname("");  // "wgp": the prefix of all of pvpn's tunnels
    auto local = firewall::local_network(*addrs, ifname, every_tunnel);
    policy.lan = std::move(local.lan);
    policy.physical_interfaces = std::move(local.physical_interfaces);
    if (auto r = ports_.firewall.apply(policy); !r) return r;
    killswitch_ = true;
    fw_mode_ = mode;
    return {};
}

asio::awaitable<Result<json::value>> Connection::connect(json::object const& p) {
    if (auto r = config_.load(); !r) co_return r.error();
    auto params = parse_connect_params(p, config_.typed());
    if (!params) co_return params.error();
    // Only an explicit `--ks false` lowers the protection in force; ks_default does not.
    if (!p.contains("ks") && killswitch_) params->ks = true;
    auto generation = supersede();
    co_await lock();
    if (superseded(generation)) {
        unlock();
        co_return fail(Errc::cancelled, "connect cancelled by a later command");
    }
    set_state(State::connecting, "connect requested");
    params_ = *params;
    remember(nullptr);
    backoff_.reset();
    unproven_ = false;
    auto result = co_await run_connect(*params, generation, Attempt::user);
    if (!result) {
        if (!superseded(generation)) {
            bool keep = params->ks;
            if (auto r = co_await teardown(keep); !r)
                log::error("connect", "cleaning up after the failure: ", r.error().message);
            params_.reset();
            forget();
            set_state(keep ? State::error : State::disconnected, result.error().message);
        }
        unlock();
        co_return result.error();
    }
    unlock();
    co_return json::value(status());
}

asio::awaitable<Result<void>> Connection::run_connect(ConnectParams params, std::uint64_t generation,
                                                      Attempt attempt) {
    auto const& cfg = config_.typed();
    auto stack_ptr = proton();
    if (!stack_ptr) co_return stack_ptr.error();
    auto& stack = **stack_ptr;
    StackUse use{stack_users_};
    if (cfg.protonvpn.user.empty() && !stack.session().current())
        co_return fail(Errc::not_configured, "no Proton account configured: run `pvpn init --proton`");
    if (params.ks) {
        co_await learn_api_address();
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
    auto const& logicals = (*cache)->servers.logicals;
    std::vector<Candidate> candidates = std::move(*ranked);
    if (attempt == Attempt::recovery) {
        // Rotate: servers that just failed go last, however well they rank.
        std::vector<std::string> names;
        names.reserve(candidates.size());
        for (auto const& c : candidates) names.push_back(logicals[c.index].name);
        std::vector<Candidate> rotated;
        rotated.reserve(candidates.size());
        for (auto pos : recent_.order(names, now_unix())) rotated.push_back(candidates[pos]);
        candidates = std::move(rotated);
    }

    Error last = fail(Errc::no_server, "no server matches");
    std::size_t attempts = 0;
    for (auto const& cand : candidates) {
        if (attempts == max_attempts) break;
        auto server = choose((*cache)->servers, logicals[cand.index], rng_);
        if (server.entry_ip.empty()) continue;
        ++attempts;
        auto r = co_await try_server(stack, server, params, generation, attempt);
        if (r) co_return Result<void>{};
        if (superseded(generation)) co_return fail(Errc::cancelled, "connect cancelled by a later command");
        log::warn("connect", server.name, ": ", r.error().message);
        last = r.error();
        // Session and account problems do not get better on another server.
        if (last.code != Errc::network && last.code != Errc::tunnel_failed) break;
        recent_.failed(server.name, now_unix());
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
    // Marked: measured on the direct path the WireGuard UDP will take (not
    // through a current tunnel), and let out by the kill-switch.
    opts.socket_mark = tunnel::default_fwmark;
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
                                                     ConnectParams const& params, std::uint64_t generation,
                                                     Attempt attempt) {
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
    if (params.ks || killswitch_) {
        // Also with `--ks false` while a kill-switch blocks: it opens for this
        // server only, and goes away once the new tunnel is up.
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
    recent_.succeeded(server.name);
    remember(&server);
    set_state(State::connected, (attempt == Attempt::recovery ? "reconnected to " : "connected to ") + server.name);
    agent::AgentLogin agent_login{server.domain, cert->certificate_pem, stack.certificates().key().private_pem()};
    forwarding_.start(spec.ifname, std::move(agent_login));
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
    supersede();  // cancels a connect or reconnect in progress at its next step
    co_await lock();
    bool keep = params->ks.value_or(killswitch_);
    if (keep) co_await learn_api_address();
    set_state(State::disconnecting, "disconnect requested");
    auto r = co_await teardown(keep);
    params_.reset();
    forget();
    backoff_.reset();
    unproven_ = false;
    set_state(State::disconnected, keep ? "disconnected; kill-switch still blocking" : "disconnected");
    unlock();
    if (!r) co_return r.error();
    co_return json::value(status());
}

void Connection::on_check(health::Report const& report) {
    auto const previous = health_;
    auto const verdict = report.verdict.health;
    health_ = verdict == health::Health::healthy ? health::Health::healthy : health::Health::degraded;
    if (verdict == health::Health::healthy) {
        // Healthy again: the next trouble starts from the shortest wait.
        backoff_.reset();
        unproven_ = false;
        if (previous != health::Health::healthy) publish_monitor("healthy", "");
        return;
    }
    publish_monitor("degraded", report.verdict.reason);
    if (verdict == health::Health::reconnect) start_recovery(report.verdict.reason, true);
}

void Connection::start_recovery(std::string reason, bool reconnect) {
    if (recovering_ || !params_) return;
    recovering_ = true;
    asio::co_spawn(executor_, recover(std::move(reason), reconnect), asio::detached);
}

asio::awaitable<void> Connection::recover(std::string reason, bool reconnect) {
    auto const generation = generation_;
    co_await lock();
    if (superseded(generation) || !params_) {
        recovering_ = false;
        unlock();
        co_return;
    }
    health::BackoffPolicy policy;
    policy.cap = std::chrono::duration_cast<std::chrono::milliseconds>(config_.typed().monitor.backoff_max);
    policy.first = std::min(policy.first, policy.cap);
    backoff_.set_policy(policy);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    bool go = true;
    if (reconnect) {
        if (server_) recent_.failed(server_->name, now_unix());
        ++reconnects_;
        last_reason_ = reason;
        log::warn("monitor", "reconnecting: ", reason);
        set_state(State::reconnecting, reason);
        publish_monitor("reconnect", reason);
        if (unproven_) {
            // The last reconnect never became healthy: no storm of rotations.
            auto delay = backoff_.next(unit(rng_));
            go = co_await pause(delay, generation);
        }
    } else {
        set_state(State::connecting, reason);
    }
    while (go) {
        auto params = *params_;
        auto result = co_await run_connect(params, generation, Attempt::recovery);
        if (result) {
            unproven_ = reconnect;
            break;
        }
        if (superseded(generation)) break;
        Error const error = result.error();
        last_reason_ = error.message;
        if (auto r = co_await teardown(params.ks); !r)
            log::error("connect", "cleaning up after the failed round: ", r.error().message);
        if (!health::worth_retrying(error.code)) {
            set_state(State::error, error.message + " (not retried: this needs you; then `pvpn connect`)");
            publish_monitor("gave_up", error.message);
            break;
        }
        // Every server tried failed: more likely the network than the servers,
        // so the next round starts again from the best ranked ones.
        recent_.clear();
        auto delay = backoff_.next(unit(rng_));
        go = co_await pause(delay, generation);
    }
    recovering_ = false;
    unlock();
}

asio::awaitable<bool> Connection::pause(std::chrono::milliseconds delay, std::uint64_t generation) {
    next_retry_ = now_unix() + (delay.count() + 999) / 1000;
    log::info("monitor", "no working server (", last_reason_, "); next round in ", delay.count(), " ms");
    publish_monitor("backoff", last_reason_);
    unlock();
    retry_timer_.expires_after(delay);
    boost::system::error_code ec;
    co_await retry_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_await lock();
    next_retry_ = 0;
    co_return !superseded(generation);
}

asio::awaitable<void> Connection::keep_certificate(std::uint64_t run) {
    while (run == cert_run_ && stack_) {
        auto const& cert = stack_->certificates().current();
        if (!cert) co_return;
        auto const wait = std::chrono::seconds(std::max<std::int64_t>(cert->refresh_time - now_unix(), 10));
        renew_timer_.expires_after(wait);
        boost::system::error_code ec;
        co_await renew_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (run != cert_run_ || !stack_) co_return;
        auto* stack = stack_.get();
        StackUse use{stack_users_};
        // The tunnel keeps its key: a renewal never touches it.
        auto renewed = co_await stack->certificates().renew();
        if (!renewed)
            log::warn("cert", "renewing the certificate failed (will retry): ", renewed.error().error.message);
        else
            forwarding_.certificate_renewed(renewed->certificate_pem);
    }
}

void Connection::on_link_change(net::LinkEvent const& event) {
    auto names = event.names;
    if (auto addrs = ports_.netlink.list_addresses(); addrs)
        for (auto const& a : *addrs) names.emplace(a.ifindex, a.ifname);
    std::string changed;
    for (int index : event.ifindexes) {
        auto it = names.find(index);
        if (it == names.end() || it->second == "lo" || it->second.starts_with("wgp")) continue;
        changed += (changed.empty() ? "" : ", ") + it->second;
    }
    if (changed.empty() && !event.overflow) return;  // only the tunnel's own links changed
    log::info("monitor", "the network changed (", changed.empty() ? "events lost" : changed, ")");
    if (!busy_ && killswitch_) {
        // The LAN the kill-switch lets through follows the underlay.
        auto r = state_ == State::connected && server_ ? apply_firewall(fw_mode_, &*server_, interface_for(*server_))
                                                       : apply_firewall(firewall::Mode::blocked, nullptr, "");
        if (!r) log::warn("killswitch", "cannot follow the network change: ", r.error().message);
    }
    if (state_ == State::connected && !busy_) {
        // WireGuard may go on sending from a source address that is gone
        // (wireguard-go keeps the last one it used): setting the peer again
        // makes it pick the current one, and the server roams to it.
        if (auto info = ports_.tunnel.info()) {
            if (auto r = ports_.tunnel.switch_peer({info->peer_public_key, info->endpoint}); !r)
                log::warn("tunnel", "cannot refresh the peer after the network change: ", r.error().message);
        }
        monitor_.check_now();
    }
    if (next_retry_) retry_timer_.cancel();  // try now rather than at the end of the backoff
}

asio::awaitable<void> Connection::learn_api_address() {
    // Once the kill-switch blocks, no DNS query leaves outside the tunnel and
    // API requests go to remembered addresses: make sure there are some. A
    // kill-switch already in force lets no lookup out anyway.
    if (killswitch_) co_return;
    auto stack_ptr = proton();
    if (!stack_ptr) co_return;
    StackUse use{stack_users_};
    co_await (*stack_ptr)->learn_api_address();
}

asio::awaitable<Result<json::value>> Connection::list(json::object const& p) {
    if (auto r = config_.load(); !r) co_return r.error();
    auto sel = parse_list_params(p, config_.typed());
    if (!sel) co_return sel.error();
    auto stack_ptr = proton();
    if (!stack_ptr) co_return stack_ptr.error();
    StackUse use{stack_users_};
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

void Connection::publish_monitor(std::string_view event, std::string const& reason) {
    if (!publish_) return;
    auto m = monitor_status();
    json::object o{{"type", "monitor"}, {"monitor", event}, {"state", m["state"]}, {"failures", m["failures"]},
                   {"last_rtt_ms", m["last_rtt_ms"]}, {"reconnects", m["reconnects"]},
                   {"next_retry", m["next_retry"]}, {"reason", reason}};
    publish_(std::move(o));
}

json::object Connection::monitor_status() const {
    std::string_view state = "off";
    if (state_ == State::connected)
        state = health_ == health::Health::healthy ? "ok" : "degraded";
    else if (recovering_)
        state = next_retry_ ? "backoff" : (state_ == State::reconnecting ? "reconnecting" : "connecting");
    auto const settings = monitor_settings();
    auto const& last = monitor_.last();
    json::object m;
    m["state"] = state;
    m["interval"] = settings.interval.count();
    m["max_failures"] = settings.failures;
    m["latency_threshold_ms"] = settings.latency_threshold.count();
    m["last_check"] = last ? json::value(last->time) : json::value(nullptr);
    if (last && last->rtt)
        m["last_rtt_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(*last->rtt).count();
    else
        m["last_rtt_ms"] = nullptr;
    m["failures"] = last ? last->verdict.failures : 0;
    m["reconnects"] = reconnects_;
    m["last_reason"] = last_reason_;
    m["retry_rounds"] = backoff_.rounds();
    m["next_retry"] = next_retry_ ? json::value(next_retry_) : json::value(nullptr);
    return m;
}

json::object Connection::status() {
    json::object s;
    s["state"] = state_name(state_);
    s["since"] = since_;
    s["reason"] = reason_;
    if (server_) s["server"] = server_status_json(*server_);
    else s["server"] = nullptr;
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
    s["killswitch"] = firewall::killswitch_status(ports_.firewall, killswitch_, fw_mode_, config_.typed().network.allow_lan);
    s["port_forwarding"] = forwarding_.port_status();
    s["qbittorrent"] = forwarding_.qbt_status();
    s["local_agent"] = forwarding_.agent_status();
    s["monitor"] = monitor_status();
    json::array warnings;
    for (auto const& w : config_.warnings()) warnings.emplace_back(w);
    for (auto const& w : forwarding_.warnings()) warnings.emplace_back(w);
    s["warnings"] = std::move(warnings);
    return s;
}

} // namespace pvpn::core
