// A small WireGuard lab inside the test's own network namespace:
//
//   this netns (from `unshare -n`)          netns pvt-peer-<pid>
//   pvt<N>a 198.18.0.1/30, fd00:18::1/64 == pvt<N>b 198.18.0.2/30, fd00:18::2/64
//   default via 198.18.0.2                   wireguard-go pvt<N>s 10.2.0.1/24, UDP 51820
//                                            10.99.0.1/32 on lo: a host "behind the server"
//
// Names carry N = pid % 100000 because wireguard-go's sockets are host-wide.
// The destructor removes everything, and a lab left by a test process that
// died (its pid gone) is removed when the next one starts.
#pragma once

#include "daemon/wg/wg_process.hpp"
#include "tests/unit/temp_dir.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

extern char** environ;

namespace pvpn::systest {

/// Runs a shell command; throws with its text if it fails.
inline void sh(std::string const& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

/// Runs a shell command and ignores how it ends (cleanup).
inline void try_sh(std::string const& command) { (void)std::system((command + " >/dev/null 2>&1").c_str()); }

/// A command's standard output (stderr too), whatever its status.
inline std::string capture(std::string const& command) {
    std::string out;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) throw std::runtime_error("popen failed: " + command);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

inline bool socket_exists(std::string const& ifname) {
    return std::filesystem::exists("/var/run/wireguard/" + ifname + ".sock");
}

/// Kills every wireguard-go serving `ifname` and waits for it (reaping it
/// when it is this process's child).
inline void kill_wireguard_go(std::string const& ifname) {
    for (int i = 0; i < 10; ++i) {
        auto pid = wg::find_wireguard_go(ifname);
        if (!pid) break;
        ::kill(*pid, SIGKILL);
        for (int j = 0; j < 200 && !wg::process_ended(*pid); ++j)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::error_code ec;
    std::filesystem::remove("/var/run/wireguard/" + ifname + ".sock", ec);
}

class Lab {
public:
    Lab() {
        remove_stale_labs();
        std::string n = std::to_string(::getpid() % 100000);
        peer_ns = "pvt-peer-" + std::to_string(::getpid());
        veth = "pvt" + n + "a";
        veth_peer = "pvt" + n + "b";
        client_if = "pvt" + n + "c";
        server_if = "pvt" + n + "s";
        resolv_conf = dir / "resolv.conf";
        backup = dir / "resolv.conf.pvpnbak";
        run_dir = dir / "run";
        try {
            build();
        } catch (...) {
            teardown();
            throw;
        }
    }
    ~Lab() { teardown(); }
    Lab(Lab const&) = delete;
    Lab& operator=(Lab const&) = delete;

    test::TempDir dir;
    std::string peer_ns, veth, veth_peer, client_if, server_if;
    std::string client_private, client_public, server_private, server_public;
    std::filesystem::path resolv_conf, backup, run_dir;
    std::string const endpoint = "198.18.0.2:51820";
    std::string const behind = "10.99.0.1";

    /// The state that must be identical before up() and after down().
    std::string snapshot() const {
        std::string out;
        for (auto const* cmd : {"ip rule", "ip -6 rule", "ip route show table all", "ip -6 route show table all",
                                "ip link", "ip addr"})
            out += std::string("$ ") + cmd + "\n" + capture(cmd);
        out += "$ resolv.conf\n" + test::read_text(resolv_conf);
        out += "$ backup exists: " + std::to_string(std::filesystem::exists(backup)) + "\n";
        out += "$ client socket exists: " + std::to_string(socket_exists(client_if)) + "\n";
        out += "$ client wireguard-go runs: " + std::to_string(wg::find_wireguard_go(client_if).has_value()) + "\n";
        return out;
    }

    bool ping(std::string const& address, int seconds = 2) const {
        return std::system(("ping -c 1 -W " + std::to_string(seconds) + " " + address + " >/dev/null 2>&1").c_str()) == 0;
    }

private:
    void build() {
        client_private = trim(capture("wg genkey"));
        client_public = trim(capture("echo " + client_private + " | wg pubkey"));
        server_private = trim(capture("wg genkey"));
        server_public = trim(capture("echo " + server_private + " | wg pubkey"));
        test::write_text(dir / "server.key", server_private + "\n");
        test::write_text(resolv_conf, "# the test's resolver\nnameserver 198.18.0.2\noptions edns0\n");

        sh("ip link set lo up");
        sh("ip netns add " + peer_ns);
        sh("ip -n " + peer_ns + " link set lo up");
        sh("ip link add " + veth + " type veth peer name " + veth_peer);
        sh("ip link set " + veth_peer + " netns " + peer_ns);
        sh("ip addr add 198.18.0.1/30 dev " + veth);
        sh("ip -6 addr add fd00:18::1/64 dev " + veth + " nodad");
        sh("ip link set " + veth + " up");
        sh("ip -n " + peer_ns + " addr add 198.18.0.2/30 dev " + veth_peer);
        sh("ip -n " + peer_ns + " -6 addr add fd00:18::2/64 dev " + veth_peer + " nodad");
        sh("ip -n " + peer_ns + " link set " + veth_peer + " up");
        sh("ip route add default via 198.18.0.2");
        sh("ip -6 route add default via fd00:18::2");
        sh("ip -n " + peer_ns + " addr add " + behind + "/32 dev lo");

        // The server: wireguard-go in the peer namespace.
        std::string log = (dir / "server-wireguard-go.log").string();
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        std::string env_fg = "WG_PROCESS_FOREGROUND=1";
        std::string env_path = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
        std::vector<char*> envp{env_fg.data(), env_path.data(), nullptr};
        std::vector<std::string> args{"ip", "netns", "exec", peer_ns, "wireguard-go", "-f", server_if};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int err = posix_spawn(&server_pid_, "/usr/sbin/ip", &actions, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (err != 0) throw std::runtime_error("cannot start the server's wireguard-go");
        for (int i = 0; i < 500 && !socket_exists(server_if); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (!socket_exists(server_if)) throw std::runtime_error("the server's wireguard-go did not start");
        sh("wg set " + server_if + " private-key " + (dir / "server.key").string() +
           " listen-port 51820 peer " + client_public + " allowed-ips 10.2.0.2/32");
        sh("ip -n " + peer_ns + " addr add 10.2.0.1/24 dev " + server_if);
        sh("ip -n " + peer_ns + " link set " + server_if + " up");
    }

    void teardown() noexcept {
        // What a failed test's tunnel may have left in this (private) namespace.
        for (auto const* family : {"-4", "-6"}) {
            for (auto const* pref : {"32764", "32765"})
                try_sh(std::string("while ip ") + family + " rule del pref " + pref + "; do :; done");
            try_sh(std::string("ip ") + family + " route flush table 51820");
        }
        try_sh("ip link del " + client_if);
        kill_wireguard_go(client_if);
        if (server_pid_ > 0) {
            ::kill(server_pid_, SIGKILL);
            ::waitpid(server_pid_, nullptr, 0);
        }
        kill_wireguard_go(server_if);
        try_sh("ip link del " + veth);
        try_sh("ip netns del " + peer_ns);
    }

    /// Removes what a test process that died left behind (its netns and servers).
    static void remove_stale_labs() {
        std::error_code ec;
        for (auto const& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
            auto name = entry.path().filename().string();
            std::string const prefix = "pvt-peer-";
            if (name.compare(0, prefix.size(), prefix) != 0) continue;
            auto digits = name.substr(prefix.size());
            if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
            long pid = std::stol(digits);
            if (::kill(static_cast<pid_t>(pid), 0) == 0) continue;  // its test still runs
            std::string n = std::to_string(pid % 100000);
            kill_wireguard_go("pvt" + n + "s");
            kill_wireguard_go("pvt" + n + "c");
            try_sh("ip netns del " + name);
        }
    }

    pid_t server_pid_ = -1;
};

} // namespace pvpn::systest
