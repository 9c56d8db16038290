#include "daemon/core/forwarding.hpp"

#include "common/log.hpp"
#include "daemon/agent/tls_agent_channel.hpp"
#include "daemon/net/http_client.hpp"
#include "daemon/portfwd/natpmp_mapper.hpp"
#include "daemon/qbt/listen_probe.hpp"
#include "daemon/qbt/webui_client.hpp"
#include "daemon/tunnel/tunnel.hpp"

namespace pvpn::core {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

/// "10.2.0.2" out of "10.2.0.2/32".
std::string tunnel_ip() {
    std::string a = tunnel::default_address;
    return a.substr(0, a.find('/'));
}

json::object qbt_off(std::string message) {
    return json::object{{"enabled", false},  {"reachable", nullptr},       {"listen_port", nullptr},
                        {"in_sync", false},  {"active_torrents", nullptr}, {"message", std::move(message)}};
}

/// The features asked of the local agent: port forwarding always (it is what
/// pvpn is for), the others only when config.ini sets them.
agent::Features agent_features(ProtonSettings const& p) {
    agent::Features f;
    f.port_forwarding = true;
    f.netshield_level = p.netshield;
    if (p.moderate_nat) f.randomized_nat = !*p.moderate_nat;
    f.split_tcp = p.vpn_accelerator;
    return f;
}

json::object agent_off(std::string message) {
    return json::object{{"state", "off"},
                        {"port_forwarding", nullptr},
                        {"reason", nullptr},
                        {"message", std::move(message)},
                        {"last_status", nullptr}};
}

} // namespace

Forwarding::Forwarding(asio::any_io_executor executor, ConfigStore& config, Publisher publish)
    : executor_(std::move(executor)), config_(config), publish_(std::move(publish)) {}

Forwarding::~Forwarding() { stop(); }

void Forwarding::start(std::string const& ifname, std::optional<agent::AgentLogin> agent) {
    stop();
    auto const& cfg = config_.typed();
    had_port_ = false;
    fallback_port_ = cfg.qbittorrent.port;
    qbt_error_.clear();
    agent_off_.clear();

    if (agent && agent->server_name.empty()) {
        agent_off_ = "the server list names no domain for this server: its local agent cannot be verified";
    } else if (agent) {
        agent::TlsChannelOptions tls;
        tls.interface = ifname;
        tls.local_address = tunnel_ip();
        tls.host = tunnel::default_gateway;
        tls.ca_file = cfg.protonvpn.agent_ca_file;
        agent::AgentOptions options;
        options.features = agent_features(cfg.protonvpn);
        auto ex = executor_;
        agent::ChannelFactory factory = [ex, tls](agent::AgentLogin const& login) {
            return agent::make_tls_channel(ex, tls, login);
        };
        agent_ = std::make_unique<agent::LocalAgent>(executor_, std::move(factory), std::move(*agent), options,
                                                     publish_);
        agent_->start();
    }

    if (cfg.qbittorrent.enable) {
        ConfigStore& store = config_;
        auto api = qbt::make_webui_client(executor_, cfg.qbittorrent.url, [&store] {
            auto const& q = store.typed().qbittorrent;
            return qbt::Credentials{q.user, q.pass};
        });
        if (!api) {
            qbt_error_ = "cannot talk to qBittorrent: " + api.error().message;
            log::warn("qbt", qbt_error_);
        } else {
            qbt::SyncOptions options;
            options.interface = ifname;
            options.bind_interface = cfg.qbittorrent.bind_interface;
            qbt::QbtSync::Probe probe;
            auto url = net::parse_http_url(cfg.qbittorrent.url);
            // The socket check works only when qBittorrent shares pvpnd's
            // network namespace, which a WebUI on loopback shows.
            if (url && net::is_loopback_host(url->host)) {
                auto ex = executor_;
                probe = [ex](std::uint16_t port) { return qbt::tcp_listening(ex, tunnel_ip(), port, 500ms); };
            }
            sync_ = std::make_unique<qbt::QbtSync>(executor_, std::move(*api), options, std::move(probe), publish_);
            sync_->start();
        }
    }

    portfwd::NatpmpOptions natpmp;
    natpmp.interface = ifname;
    natpmp.local_address = tunnel_ip();
    natpmp.gateway = tunnel::default_gateway;
    auto mapper = portfwd::make_natpmp_mapper(executor_, natpmp);
    if (!mapper) {
        log::error("portfwd", "cannot start NAT-PMP: ", mapper.error().message);
        return;
    }
    portfwd::LeaseOptions lease;
    lease.renew = std::chrono::duration_cast<portfwd::Millis>(cfg.protonvpn.natpmp_renew);
    lease_ = std::make_unique<portfwd::LeaseLoop>(executor_, std::move(*mapper), lease, publish_,
                                                  [this](portfwd::LeaseSnapshot const& s) { heard(s); });
    lease_->start();
}

void Forwarding::heard(portfwd::LeaseSnapshot const& lease) {
    if (!sync_) return;
    if (lease.state == portfwd::LeaseState::active && lease.port) {
        had_port_ = true;
        sync_->set_port(lease.port);
    } else if (lease.state == portfwd::LeaseState::unavailable && !had_port_) {
        // No forwarded port on this server: qBittorrent gets [qbittorrent] port.
        sync_->set_port(fallback_port_);
    }
}

void Forwarding::certificate_renewed(std::string const& certificate_pem) {
    if (agent_) agent_->renew(certificate_pem);
}

void Forwarding::stop() {
    if (agent_) agent_->stop();
    if (lease_) lease_->stop();
    if (sync_) sync_->stop();
    agent_.reset();
    agent_off_.clear();
    lease_.reset();
    sync_.reset();
}

json::object Forwarding::port_status() const {
    if (lease_) return lease_->status_json();
    return json::object{{"state", "off"},        {"port", nullptr},         {"protocols", json::array{}},
                        {"expires_in", nullptr}, {"last_renewal", nullptr}, {"message", ""}};
}

json::object Forwarding::agent_status() const {
    if (agent_) return agent_->status_json();
    return agent_off(agent_off_);
}

json::value Forwarding::qbt_status() const {
    if (!config_.typed().qbittorrent.enable) return qbt_off("disabled ([qbittorrent] enable = false)");
    if (sync_) return sync_->status_json();
    if (!qbt_error_.empty()) {
        auto o = qbt_off(qbt_error_);
        o["enabled"] = true;
        return o;
    }
    return nullptr;
}

std::vector<std::string> Forwarding::warnings() const {
    std::vector<std::string> out;
    if (!qbt_error_.empty()) out.push_back(qbt_error_);
    if (sync_ && !sync_->warning().empty()) out.push_back(sync_->warning());
    if (agent_ && !agent_->warning().empty()) out.push_back(agent_->warning());
    return out;
}

} // namespace pvpn::core
