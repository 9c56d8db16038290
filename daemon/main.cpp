// pvpnd: the pvpn daemon. Parses its options, wires the real system ports
// into the core, serves the socket, and runs the one event loop.
#include "common/log.hpp"
#include "daemon/core/config.hpp"
#include "daemon/core/connection.hpp"
#include "daemon/core/daemon.hpp"
#include "daemon/dns/make_dns.hpp"
#include "daemon/firewall/firewall.hpp"
#include "daemon/health/tunnel_probe.hpp"
#include "daemon/net/libnl_netlink.hpp"
#include "daemon/net/link_monitor.hpp"
#include "daemon/rpc/server.hpp"
#include "daemon/service/boot_killswitch.hpp"
#include "daemon/sys/notifier.hpp"
#include "daemon/tunnel/tunnel.hpp"
#include "daemon/wg/detect.hpp"
#include "proto/jsonrpc.hpp"
#include "proto/methods.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/program_options.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace asio = boost::asio;
namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace pvpn;

namespace {

fs::path default_config_dir() {
    char const* home = std::getenv("HOME");
    return fs::path(home && *home ? home : "/root") / ".pvpn-cli" / "pvpn";
}

asio::awaitable<void> keep_watchdog_fed(sys::Notifier& notifier, std::chrono::microseconds interval) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        notifier.watchdog();
        timer.expires_after(interval / 2);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

/// True when a pvpnd answers on `socket`: the one-shot modes leave its state alone.
bool daemon_running(std::string const& socket) {
    asio::io_context io;
    asio::local::stream_protocol::socket s(io);
    boost::system::error_code ec;
    s.connect(asio::local::stream_protocol::endpoint(socket), ec);
    return !ec;
}

/// --boot-killswitch: the blocking rules before the network comes up, when
/// config.ini asks to connect at boot with the kill-switch on.
int boot_killswitch(core::Config const& config) {
    if (!service::wants_boot_killswitch(config)) {
        log::info("killswitch", "boot: no kill-switch asked for ([service] autoconnect and [network] ks_default)");
        return 0;
    }
    auto firewall = firewall::make_firewall();
    auto policy = service::boot_policy(service::physical_links("/sys/class/net"), config.network.allow_lan);
    if (auto r = firewall->apply(policy); !r) {
        log::error("killswitch", "boot: ", r.error().message);
        return 1;
    }
    log::info("killswitch", "boot: traffic blocked until pvpnd connects");
    return 0;
}

/// --cleanup: undoes what an earlier pvpnd left in the system (tunnel,
/// routes, DNS, kill-switch), as `pvpn disconnect --ks false` would.
int cleanup(asio::io_context& io, tunnel::Tunnel& tunnel, firewall::Firewall& firewall) {
    int rc = 0;
    asio::co_spawn(io, tunnel.recover(tunnel::RecoverMode::clean),
                   [&rc](std::exception_ptr e, Result<tunnel::Recovered> r) {
                       if (e || !r) {
                           log::error("tunnel", "cleanup: ", r ? "unexpected failure" : r.error().message);
                           rc = 1;
                       }
                   });
    io.run();
    if (auto r = firewall.reset(); !r) {
        log::error("killswitch", "cleanup: ", r.error().message);
        rc = 1;
    }
    if (rc == 0) log::info("pvpnd", "cleanup: no tunnel, DNS change or kill-switch of pvpn is left");
    return rc;
}

} // namespace

int main(int argc, char** argv) {
    po::options_description opts("pvpnd options");
    opts.add_options()
        ("help,h", "show this help")
        ("version", "print the version")
        ("socket", po::value<std::string>()->default_value("/run/pvpn.sock"), "control socket path")
        ("config-dir", po::value<std::string>()->default_value(default_config_dir().string()),
         "directory of config.ini, wireguard/ and pvpn.log")
        ("run-dir", po::value<std::string>()->default_value("/run/pvpn"),
         "directory recording what the daemon changed (for crash recovery)")
        ("control-group", po::value<std::string>()->default_value("pvpn"),
         "members of this group may control the daemon")
        ("resolv-conf", po::value<std::string>()->default_value("/etc/resolv.conf"),
         "the resolver configuration pvpnd points at Proton's DNS")
        ("resolv-backup", po::value<std::string>(),
         "where the original resolver configuration is kept while connected (default: <resolv-conf>.pvpnbak)")
        ("wireguard-go", po::value<std::string>()->default_value("/usr/bin/wireguard-go"),
         "the userspace WireGuard used when the kernel has no WireGuard")
        ("cleanup", "remove what an earlier pvpnd left (tunnel, DNS, kill-switch), then exit")
        ("boot-killswitch", "at boot: block traffic if config.ini connects at boot with the kill-switch, then exit")
        ("verbose,v", "log debug messages");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, opts), vm);
        po::notify(vm);
    } catch (po::error const& e) {
        std::cerr << "pvpnd: " << e.what() << "\n" << opts;
        return 2;
    }
    if (vm.count("help")) {
        std::cout << "Usage: pvpnd [options]\n\n" << opts;
        return 0;
    }
    if (vm.count("version")) {
        std::cout << "pvpnd " << PVPN_VERSION << " (api " << proto::api_version << ")\n";
        return 0;
    }

    ::umask(077);
    core::Paths paths{vm["config-dir"].as<std::string>(), vm["run-dir"].as<std::string>()};
    // The one-shot modes create nothing of their own (they run at boot and
    // at package removal): they log to stderr only.
    bool const one_shot = vm.count("cleanup") || vm.count("boot-killswitch");
    if (!one_shot) {
        std::error_code fsec;
        fs::create_directories(paths.config_dir, fsec);
        fs::create_directories(paths.run_dir, fsec);
    }
    log::init({one_shot ? fs::path() : paths.config_dir / "pvpn.log", vm.count("verbose") > 0, true,
               std::getenv("JOURNAL_STREAM") != nullptr});
    if (!one_shot) log::info("pvpnd", "pvpnd ", PVPN_VERSION, " starting; config ", paths.config_dir.string());

    core::ConfigStore config(paths.config_dir);
    if (auto r = config.load(); !r) log::warn("config", r.error().message);
    for (auto const& w : config.warnings()) log::warn("config", w);
    if (one_shot && daemon_running(vm["socket"].as<std::string>())) {
        log::error("pvpnd", "a pvpnd is running on ", vm["socket"].as<std::string>(),
                   ": use `pvpn disconnect --ks false` instead");
        return 1;
    }
    if (vm.count("boot-killswitch")) return boot_killswitch(config.typed());

    asio::io_context io(1);
    sys::SdNotifier notifier;

    // The real system ports.
    auto netlink = net::LibnlNetlink::open();
    if (!netlink) {
        log::error("pvpnd", "netlink: ", netlink.error().message);
        return 1;
    }
    wg::WireGuardOptions wg_options;
    wg_options.uapi.binary = vm["wireguard-go"].as<std::string>();
    wg_options.uapi.log_file = paths.run_dir / "wireguard-go.log";
    auto wireguard = wg::detect_wireguard(**netlink, wg_options);
    if (!wireguard) {
        log::error("pvpnd", wireguard.error().message);
        return 1;
    }
    dns::ResolvConfOptions dns_options;
    dns_options.path = vm["resolv-conf"].as<std::string>();
    dns_options.backup = vm.count("resolv-backup") ? fs::path(vm["resolv-backup"].as<std::string>())
                                                   : fs::path(dns_options.path.string() + ".pvpnbak");
    auto dns = dns::make_dns(io.get_executor(), dns_options);
    tunnel::Tunnel tunnel(**netlink, **wireguard, *dns, paths.run_dir);
    auto firewall = firewall::make_firewall();
    log::info("pvpnd", "WireGuard: ", (*wireguard)->backend(), ", firewall: ", firewall->backend(),
              ", DNS: ", dns->backend());
    if (vm.count("cleanup")) return cleanup(io, tunnel, *firewall);

    health::TunnelProbe probe(io.get_executor(), tunnel);

    core::Daemon* daemon_ptr = nullptr;
    core::Connection connection(io, core::Ports{tunnel, *firewall, **netlink, probe}, config,
                                paths.run_dir / "connection.json", [&daemon_ptr](boost::json::object event) {
                                    if (daemon_ptr) daemon_ptr->publish(std::move(event));
                                });
    // Link and address changes: the monitor re-checks at once, a backoff ends early.
    auto links = net::LinkMonitor::start(io.get_executor(), std::chrono::milliseconds(500),
                                         [&connection](net::LinkEvent const& event) { connection.on_link_change(event); });
    if (!links) log::warn("pvpnd", "not watching link changes: ", links.error().message);
    core::Daemon daemon(paths, config, connection, notifier);
    daemon_ptr = &daemon;
    rpc::Dispatcher dispatcher;
    daemon.register_methods(dispatcher);

    auto const group = vm["control-group"].as<std::string>();
    auto gid = rpc::lookup_group(group);
    if (!gid) log::info("rpc", "group ", group, " does not exist: only root may control pvpnd");
    rpc::Server server(io, dispatcher, vm["socket"].as<std::string>(), gid);
    daemon.set_publisher([&server](boost::json::object event) {
        server.broadcast(proto::encode_notification(proto::event_notification, std::move(event)));
    });
    if (auto r = server.listen(); !r) {
        log::error("pvpnd", r.error().message);
        return 1;
    }
    asio::co_spawn(io, connection.startup(), [&](std::exception_ptr e) {
        if (e) log::error("pvpnd", "startup recovery failed");
        server.start();
        notifier.ready();
    });
    if (auto interval = notifier.watchdog_interval())
        asio::co_spawn(io, keep_watchdog_fed(notifier, *interval), asio::detached);

    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        log::info("pvpnd", "signal ", sig, ": shutting down");
        notifier.stopping();
        server.stop();
        io.stop();
    });
    ::signal(SIGPIPE, SIG_IGN);
    io.run();
    log::info("pvpnd", "stopped");
    return 0;
}
