// A two-namespace network for the kill-switch tests. The test thread moves
// into a fresh namespace ("client", where the firewall is applied); a second
// one ("peer") is the LAN host, the internet and the VPN server at once:
//
//   client pvf<N>a 10.99.0.1/24 fd99::1/64 ---- pvf<N>b 10.99.0.2 fd99::2   (LAN, "physical")
//   client pvf<N>t 10.2.0.2/24             ---- pvf<N>u 10.2.0.1            (stands in for the tunnel)
//   peer lo: 198.51.100.20, 2001:db8:2::20 (outside, routed via the LAN link),
//            203.0.113.50 (only reachable through the "tunnel")
//
// Both namespaces, and with them every interface and rule, vanish when the
// lab is destroyed (also when a check throws): nothing outside them is touched.
#pragma once

#include "daemon/firewall/policy.hpp"
#include "daemon/firewall/socket_mark.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <string>

namespace pvpn::test {

/// Runs a shell command in the calling thread's namespace; its exit status.
inline int sh(std::string const& command) {
    int rc = std::system(command.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/// Runs a shell command in the calling thread's namespace; its stdout.
inline std::string sh_out(std::string const& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        std::size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

/// `nft list` text with the packet counters zeroed, as render_nft writes them.
inline std::string zero_counters(std::string const& listing) {
    static std::regex const counter("counter packets [0-9]+ bytes [0-9]+");
    return std::regex_replace(listing, counter, "counter packets 0 bytes 0");
}

/// iptables-save output without its "# Generated ... on <date>" lines.
inline std::string without_comments(std::string const& save) {
    static std::regex const comment("(^|\n)#[^\n]*");
    return std::regex_replace(save, comment, "");
}

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

inline Fd open_own_netns() {
    Fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw std::runtime_error("cannot open the own network namespace");
    return fd;
}

/// While it lives, the calling thread is in `target`; then back where it was.
class InNetns {
public:
    explicit InNetns(int target) : home_(open_own_netns()) {
        if (::setns(target, CLONE_NEWNET) != 0) throw std::runtime_error("setns failed");
    }
    ~InNetns() { ::setns(home_.get(), CLONE_NEWNET); }
    InNetns(InNetns const&) = delete;
    InNetns& operator=(InNetns const&) = delete;

private:
    Fd home_;
};

/// A new, empty network namespace with loopback up; the calling thread is
/// moved into it for the object's lifetime (so a test run outside
/// `unshare -n` still never touches the host's firewall).
class ScopedNetns {
public:
    ScopedNetns() : home_(open_own_netns()) {
        if (::unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
        sh("ip link set lo up");
    }
    ~ScopedNetns() { ::setns(home_.get(), CLONE_NEWNET); }
    ScopedNetns(ScopedNetns const&) = delete;
    ScopedNetns& operator=(ScopedNetns const&) = delete;

private:
    Fd home_;
};

/// A second namespace, kept alive by an open file, entered on demand.
class PeerNetns {
public:
    PeerNetns() : fd_(make()) {}
    int fd() const { return fd_.get(); }
    /// A path to the namespace that `ip ... netns` and `nsenter --net=` accept.
    std::string path() const { return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_.get()); }
    int sh(std::string const& command) const { return test::sh("nsenter --net=" + path() + " sh -c '" + command + "'"); }

private:
    static Fd make() {
        auto home = open_own_netns();
        if (::unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
        auto peer = open_own_netns();
        ::setns(home.get(), CLONE_NEWNET);
        return peer;
    }
    Fd fd_;
};

struct SockAddr {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

inline SockAddr sock_addr(std::string const& ip, std::uint16_t port) {
    SockAddr a;
    if (ip.find(':') == std::string::npos) {
        auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        ::inet_pton(AF_INET, ip.c_str(), &in->sin_addr);
        a.length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        ::inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr);
        a.length = sizeof(sockaddr_in6);
        a.family = AF_INET6;
    }
    return a;
}

/// A socket bound to the wildcard address and `port`, in the calling thread's namespace.
inline Fd bound_socket(int family, int type, std::uint16_t port) {
    Fd fd(::socket(family, type | SOCK_CLOEXEC, 0));
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto any = sock_addr(family == AF_INET ? "0.0.0.0" : "::", port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&any.storage), any.length) != 0)
        throw std::runtime_error("bind failed: " + std::string(std::strerror(errno)));
    if (type == SOCK_STREAM) ::listen(fd.get(), 8);
    return fd;
}

inline bool readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

/// The namespaces, links, addresses and routes drawn above, plus probes
/// that tell whether a packet or a connection got through.
class FirewallLab {
public:
    FirewallLab() : prefix_("pvf" + std::to_string(::getpid() % 1000)) {
        auto const a = lan_if(), b = prefix_ + "b", t = tunnel_if(), u = prefix_ + "u";
        int rc = sh("set -e; ip link add " + a + " type veth peer name " + b + "; ip link add " + t +
                    " type veth peer name " + u + "; ip link set " + b + " netns " + peer_.path() + "; ip link set " +
                    u + " netns " + peer_.path() + "; ip addr add 10.99.0.1/24 dev " + a + "; ip -6 addr add fd99::1/64 dev " +
                    a + " nodad; ip link set " + a + " up; ip addr add 10.2.0.2/24 dev " + t + "; ip link set " + t +
                    " up; ip route add 198.51.100.0/24 via 10.99.0.2; ip -6 route add 2001:db8:2::/64 via fd99::2;"
                    " ip route add 203.0.113.0/24 via 10.2.0.1");
        rc |= peer_.sh("set -e; ip link set lo up; ip addr add 10.99.0.2/24 dev " + b + "; ip -6 addr add fd99::2/64 dev " +
                       b + " nodad; ip link set " + b + " up; ip addr add 10.2.0.1/24 dev " + u + "; ip link set " + u +
                       " up; ip addr add 198.51.100.20/32 dev lo; ip addr add 203.0.113.50/32 dev lo;"
                       " ip -6 addr add 2001:db8:2::20/128 dev lo");
        if (rc != 0) throw std::runtime_error("cannot set up the firewall test network");
    }

    std::string lan_if() const { return prefix_ + "a"; }
    std::string tunnel_if() const { return prefix_ + "t"; }
    PeerNetns const& peer() const { return peer_; }

    /// The kill-switch policy for this network: the endpoint and the tunnel
    /// DNS live on the peer, the LAN is 10.99.0.0/24 and fd99::/64.
    firewall::Policy policy(firewall::Mode mode, bool allow_lan) const {
        namespace ip = boost::asio::ip;
        firewall::Policy p;
        p.mode = mode;
        p.allow_lan = allow_lan;
        p.tunnel_interface = tunnel_if();
        p.endpoints.emplace_back(ip::make_address("198.51.100.20"), 51820);
        p.tunnel_dns = {ip::make_address("10.2.0.1")};
        p.lan = {net::IpPrefix::parse("10.99.0.1/24").value(), net::IpPrefix::parse("fd99::1/64").value()};
        p.physical_interfaces = {lan_if()};
        return p;
    }

    /// Sends UDP from the client to the peer's `ip`:`port` (from a socket
    /// carrying `mark` if non-zero); true when the peer received it.
    bool udp_out(std::string const& ip, std::uint16_t port, std::uint32_t mark = 0) const {
        auto to = sock_addr(ip, port);
        Fd rx = in_peer([&] { return bound_socket(to.family, SOCK_DGRAM, port); });
        Fd tx(::socket(to.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (mark && !firewall::mark_socket(tx.get(), mark)) throw std::runtime_error("mark_socket failed");
        for (int attempt = 0; attempt < 3; ++attempt) {
            // A dropped send fails with EPERM; the peer's socket is the judge.
            ::sendto(tx.get(), "x", 1, 0, reinterpret_cast<sockaddr const*>(&to.storage), to.length);
            if (readable(rx.get(), 150)) return true;
        }
        return false;
    }

    /// Connects over TCP from the client to a listener on the peer; true when
    /// the peer accepted (so the handshake passed both ways).
    bool tcp_out(std::string const& ip, std::uint16_t port, std::uint32_t mark = 0) const {
        auto to = sock_addr(ip, port);
        Fd listener = in_peer([&] { return bound_socket(to.family, SOCK_STREAM, port); });
        Fd client(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (mark && !firewall::mark_socket(client.get(), mark)) throw std::runtime_error("mark_socket failed");
        return connects(client, listener, to);
    }

    /// Connects over TCP from the peer (the LAN host: the SSH case) to a
    /// listener in the client namespace at `ip`:`port`.
    bool tcp_in(std::string const& ip, std::uint16_t port) const {
        auto to = sock_addr(ip, port);
        Fd listener = bound_socket(to.family, SOCK_STREAM, port);
        Fd client = in_peer([&] { return Fd(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)); });
        return connects(client, listener, to);
    }

private:
    template <class F>
    Fd in_peer(F make) const {
        InNetns inside(peer_.fd());
        return make();
    }

    static bool connects(Fd const& client, Fd const& listener, SockAddr const& to) {
        ::connect(client.get(), reinterpret_cast<sockaddr const*>(&to.storage), to.length);
        if (!readable(listener.get(), 600)) return false;
        Fd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        return accepted.get() >= 0;
    }

    ScopedNetns client_;
    PeerNetns peer_;
    std::string prefix_;
};

} // namespace pvpn::test
