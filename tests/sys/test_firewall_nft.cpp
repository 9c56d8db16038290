// The kill-switch against the real kernel (nftables through libnftables).
// Every test runs in namespaces of its own (firewall_lab.hpp); main.cpp
// makes sure the binary runs as root in a fresh namespace.

#include "daemon/firewall/firewall.hpp"
#include "tests/support/firewall_policies.hpp"
#include "tests/support/golden.hpp"
#include "tests/unit/catch_result.hpp"
#include "tests/sys/firewall_lab.hpp"

#include <atomic>
#include <thread>

using namespace pvpn;
using namespace pvpn::firewall;
using pvpn::test::sh;
using pvpn::test::sh_out;

namespace {

constexpr std::uint32_t mark = default_fwmark;

// Someone else's rules, as Docker, ufw or an admin would have them.
void add_foreign_rules() {
    REQUIRE(sh("nft add table inet filter && nft add chain inet filter input "
               "'{ type filter hook input priority 0; policy accept; }' && "
               "nft add rule inet filter input tcp dport 22 counter accept") == 0);
    REQUIRE(sh("iptables -A INPUT -s 10.0.0.0/8 -j ACCEPT && ip6tables -A OUTPUT -d 2001:db8::/32 -j ACCEPT") == 0);
}

std::string script_table(std::string const& script) {
    // The golden script minus its "add table" and "delete table" lines.
    auto at = script.find("table inet pvpn {");
    return at == std::string::npos ? std::string() : script.substr(at);
}

} // namespace

TEST_CASE("each golden policy is what the kernel holds after apply", "[nft]") {
    test::ScopedNetns ns;
    NftFirewall fw;
    for (auto const& [stem, policy] : test::golden_policies()) {
        INFO(stem);
        auto golden = test::read_golden(stem + ".nft");
        REQUIRE(golden);
        REQUIRE(fw.apply(policy));
        auto listed = fw.current();
        REQUIRE(listed);
        if (policy.mode == Mode::off) {
            CHECK_FALSE(*listed);
            continue;
        }
        REQUIRE(*listed);
        CHECK(test::zero_counters(**listed) == script_table(*golden));
    }
}

TEST_CASE("other tables and iptables rules are byte-identical after apply and reset", "[nft]") {
    test::ScopedNetns ns;
    add_foreign_rules();
    auto const ruleset = sh_out("nft list ruleset");
    auto const v4 = test::without_comments(sh_out("iptables-save"));
    auto const v6 = test::without_comments(sh_out("ip6tables-save"));
    auto const theirs = sh_out("nft list table inet filter");
    REQUIRE(theirs.find("tcp dport 22") != std::string::npos);

    NftFirewall fw;
    for (auto const& [stem, policy] : test::golden_policies()) {
        INFO(stem);
        REQUIRE(fw.apply(policy));
        CHECK(sh_out("nft list table inet filter") == theirs);
        CHECK(test::without_comments(sh_out("iptables-save")) == v4);
        CHECK(test::without_comments(sh_out("ip6tables-save")) == v6);
    }
    REQUIRE(fw.apply(test::sample_policy(Mode::connected, true)));
    REQUIRE(fw.reset());
    CHECK(sh_out("nft list ruleset") == ruleset);
    CHECK(test::without_comments(sh_out("iptables-save")) == v4);
    CHECK(test::without_comments(sh_out("ip6tables-save")) == v6);
}

TEST_CASE("the table outlives pvpnd and a restarted pvpnd finds it", "[nft]") {
    test::ScopedNetns ns;
    auto const policy = test::sample_policy(Mode::connected, true);
    // A child applies the rules and dies by SIGKILL, as a crashed pvpnd would.
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        NftFirewall fw;
        if (!fw.apply(policy)) ::_exit(1);
        ::raise(SIGKILL);
        ::_exit(2);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));

    NftFirewall restarted;
    auto found = restarted.current();
    REQUIRE(found);
    REQUIRE(*found);
    CHECK(read_stamp(**found) == stamp_of(policy));
    // Adopting means re-applying the same policy: nothing in the kernel changes.
    REQUIRE(restarted.apply(policy));
    CHECK(test::zero_counters(*restarted.current().value()) == script_table(render_nft(policy)));
    REQUIRE(restarted.reset());
    CHECK_FALSE(*restarted.current());
}

TEST_CASE("blocked mode drops everything but loopback, the LAN and pvpnd's marked HTTPS", "[nft]") {
    test::FirewallLab lab;
    NftFirewall fw;
    // Without rules everything passes: the probes themselves work.
    CHECK(lab.udp_out("198.51.100.20", 9000));
    CHECK(lab.udp_out("2001:db8:2::20", 9000));
    CHECK(lab.tcp_out("198.51.100.20", 8080));

    SECTION("allow_lan off: the LAN is cut too") {
        REQUIRE(fw.apply(lab.policy(Mode::blocked, false)));
        CHECK_FALSE(lab.udp_out("198.51.100.20", 9000));
        CHECK_FALSE(lab.udp_out("2001:db8:2::20", 9000));
        CHECK_FALSE(lab.tcp_out("198.51.100.20", 8080));
        CHECK_FALSE(lab.tcp_out("2001:db8:2::20", 8080));
        CHECK_FALSE(lab.tcp_out("10.99.0.2", 22));
        CHECK_FALSE(lab.tcp_in("10.99.0.1", 22));
        CHECK_FALSE(lab.tcp_in("fd99::1", 22));
        CHECK(lab.tcp_out("198.51.100.20", 443, mark)); // pvpnd reaching the API
        CHECK_FALSE(lab.tcp_out("198.51.100.20", 443));
        CHECK_FALSE(lab.udp_out("198.51.100.20", 51820, mark)); // no endpoint while blocked
    }
    SECTION("allow_lan on: SSH both ways on the LAN, nothing outside, no DNS") {
        REQUIRE(fw.apply(lab.policy(Mode::blocked, true)));
        CHECK(lab.tcp_in("10.99.0.1", 22));
        CHECK(lab.tcp_in("fd99::1", 22));
        CHECK(lab.tcp_out("10.99.0.2", 22));
        CHECK(lab.tcp_out("fd99::2", 22));
        CHECK_FALSE(lab.udp_out("198.51.100.20", 9000));
        CHECK_FALSE(lab.udp_out("2001:db8:2::20", 9000));
        CHECK_FALSE(lab.tcp_out("198.51.100.20", 8080));
        CHECK_FALSE(lab.udp_out("10.99.0.2", 53)); // the home router's resolver
        CHECK_FALSE(lab.tcp_out("10.99.0.2", 53));
    }
    REQUIRE(fw.reset());
    CHECK(lab.udp_out("198.51.100.20", 9000));
}

TEST_CASE("connected mode passes the tunnel and the marked endpoint UDP only", "[nft]") {
    test::FirewallLab lab;
    NftFirewall fw;
    REQUIRE(fw.apply(lab.policy(Mode::connected, true)));

    CHECK(lab.udp_out("198.51.100.20", 51820, mark)); // WireGuard to the endpoint
    CHECK_FALSE(lab.udp_out("198.51.100.20", 51820)); // unmarked: an app faking it
    CHECK_FALSE(lab.udp_out("198.51.100.20", 51821, mark)); // marked, other port
    CHECK(lab.tcp_out("203.0.113.50", 8080)); // through the tunnel
    CHECK(lab.udp_out("10.2.0.1", 53)); // the tunnel's resolver, through the tunnel
    CHECK_FALSE(lab.udp_out("198.51.100.20", 53)); // an outside resolver
    CHECK_FALSE(lab.tcp_out("198.51.100.20", 53));
    CHECK_FALSE(lab.udp_out("10.99.0.2", 53)); // a LAN resolver, even with allow_lan
    CHECK_FALSE(lab.tcp_out("198.51.100.20", 8080)); // around the tunnel
    CHECK_FALSE(lab.udp_out("2001:db8:2::20", 9000));
    CHECK(lab.tcp_in("10.99.0.1", 22));
    REQUIRE(fw.reset());
}

TEST_CASE("replacing the policy never leaves a moment without rules", "[nft]") {
    test::FirewallLab lab;
    NftFirewall fw;
    auto const a = lab.policy(Mode::blocked, true);
    auto const b = lab.policy(Mode::connected, true);
    REQUIRE(fw.apply(a));

    // Threads start in the test thread's namespace, the lab's client side.
    std::atomic<bool> stop{false};
    std::atomic<int> listings{0}, gaps{0};
    std::thread watcher([&] {
        NftFirewall reader;
        while (!stop) {
            auto now = reader.current();
            bool whole = now && *now && read_stamp(**now) &&
                         (**now).find("chain forward {\n\t\ttype filter hook forward priority filter - 10; policy drop;") !=
                             std::string::npos;
            ++listings;
            if (!whole) ++gaps;
        }
    });
    auto const outside = test::sock_addr("198.51.100.20", 9000);
    test::Fd rx = [&] {
        test::InNetns inside(lab.peer().fd());
        return test::bound_socket(AF_INET, SOCK_DGRAM, 9000);
    }();
    std::thread sender([&] {
        test::Fd tx(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        while (!stop) ::sendto(tx.get(), "x", 1, 0, reinterpret_cast<sockaddr const*>(&outside.storage), outside.length);
    });
    for (int i = 0; i < 100; ++i) REQUIRE(fw.apply(i % 2 ? a : b));
    stop = true;
    watcher.join();
    sender.join();

    CHECK(listings > 0);
    CHECK(gaps == 0);
    CHECK_FALSE(test::readable(rx.get(), 100)); // not one packet got around the switch
    REQUIRE(fw.reset());
}
