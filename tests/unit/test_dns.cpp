#include "daemon/dns/make_dns.hpp"
#include "daemon/dns/replace_file.hpp"
#include "daemon/dns/resolv_conf.hpp"
#include "daemon/dns/resolv_conf_dns.hpp"

#include "run_awaitable.hpp"
#include "temp_dir.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <sys/stat.h>

using namespace pvpn;
using namespace pvpn::dns;
using pvpn::test::read_text;
using pvpn::test::TempDir;
using pvpn::test::write_text;

namespace {

constexpr char const* original = "# from DHCP\nnameserver 192.168.1.1\nsearch lan\n";

ResolvConfOptions options_in(TempDir const& dir) {
    ResolvConfOptions o;
    o.path = dir / "resolv.conf";
    o.backup = dir / "resolv.conf.pvpnbak";
    o.settle = std::chrono::milliseconds(10);
    return o;
}

mode_t mode_of(std::filesystem::path const& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("pvpn's resolv.conf says who wrote it", "[dns]") {
    auto text = render_resolv_conf({"10.2.0.1"}, "/etc/resolv.conf.pvpnbak");
    REQUIRE(text);
    CHECK(*text ==
          "# Written by pvpn (Proton VPN) while the VPN is connected; the original is in /etc/resolv.conf.pvpnbak.\n"
          "nameserver 10.2.0.1\n");
    CHECK(written_by_pvpn(*text));
    CHECK_FALSE(written_by_pvpn(original));
    CHECK_FALSE(render_resolv_conf({}, "b"));
    CHECK_FALSE(render_resolv_conf({"10.2.0.1\nnameserver 8.8.8.8"}, "b"));
    CHECK(render_resolv_conf({"2a07:b944::2:1"}, "b")->find("nameserver 2a07:b944::2:1\n") != std::string::npos);
}

TEST_CASE("systemd-resolved's stub selects the D-Bus backend", "[dns]") {
    std::filesystem::path etc = "/etc/resolv.conf";
    CHECK(choose_dns_backend(etc, std::nullopt) == DnsBackend::resolv_conf);
    CHECK(choose_dns_backend(etc, "/run/systemd/resolve/stub-resolv.conf") == DnsBackend::resolved);
    CHECK(choose_dns_backend(etc, "../run/systemd/resolve/resolv.conf") == DnsBackend::resolved);
    CHECK(choose_dns_backend(etc, "/var/run/systemd/resolve/stub-resolv.conf") == DnsBackend::resolved);
    CHECK(choose_dns_backend(etc, "/run/NetworkManager/resolv.conf") == DnsBackend::resolv_conf);
    CHECK(choose_dns_backend(etc, "/run/resolvconf/resolv.conf") == DnsBackend::resolv_conf);
    CHECK(choose_dns_backend(etc, "/run/systemd/resolve/../../x") == DnsBackend::resolv_conf);
}

TEST_CASE("a plain resolv.conf gets the file backend", "[dns]") {
    TempDir dir;
    write_text(dir / "resolv.conf", original);
    boost::asio::io_context io;
    auto dns = make_dns(io.get_executor(), options_in(dir));
    CHECK(dns->backend() == "resolv.conf");
}

TEST_CASE("apply writes pvpn's DNS, revert restores the file byte for byte", "[dns]") {
    TempDir dir;
    auto o = options_in(dir);
    write_text(o.path, original);
    ::chmod(o.path.c_str(), 0644);
    boost::asio::io_context io;
    ResolvConfDns dns(io.get_executor(), o);

    REQUIRE(dns.apply("wgpch", {"10.2.0.1"}));
    CHECK(read_text(o.path) == render_resolv_conf({"10.2.0.1"}, o.backup).value());
    CHECK(read_text(o.backup) == original);
    CHECK(mode_of(o.path) == 0644);
    CHECK(dns.current() == std::vector<std::string>{"10.2.0.1"});

    // A server switch keeps the first backup.
    REQUIRE(dns.apply("wgpnl", {"10.2.0.1", "2a07:b944::2:1"}));
    CHECK(read_text(o.backup) == original);

    REQUIRE(dns.revert());
    CHECK(read_text(o.path) == original);
    CHECK(mode_of(o.path) == 0644);
    CHECK_FALSE(std::filesystem::exists(o.backup));
    CHECK(dns.current().empty());
    REQUIRE(dns.revert());  // twice is fine
    CHECK(read_text(o.path) == original);
}

TEST_CASE("a backup left by a crash is restored by revert", "[dns]") {
    TempDir dir;
    auto o = options_in(dir);
    write_text(o.path, original);
    boost::asio::io_context io;
    {
        ResolvConfDns crashed(io.get_executor(), o);
        REQUIRE(crashed.apply("wgpch", {"10.2.0.1"}));
    }  // no revert: the process died
    CHECK(written_by_pvpn(read_text(o.path)));
    ResolvConfDns next(io.get_executor(), o);
    REQUIRE(next.revert());
    CHECK(read_text(o.path) == original);
    CHECK_FALSE(std::filesystem::exists(o.backup));
}

TEST_CASE("a file rewritten by someone else after a crash is kept", "[dns]") {
    TempDir dir;
    auto o = options_in(dir);
    write_text(o.path, original);
    boost::asio::io_context io;
    {
        ResolvConfDns crashed(io.get_executor(), o);
        REQUIRE(crashed.apply("wgpch", {"10.2.0.1"}));
    }
    write_text(o.path, "nameserver 192.168.7.1\n");  // DHCP after a reboot
    ResolvConfDns next(io.get_executor(), o);
    REQUIRE(next.revert());
    CHECK(read_text(o.path) == "nameserver 192.168.7.1\n");
    CHECK_FALSE(std::filesystem::exists(o.backup));
}

TEST_CASE("pvpn's file is put back when something rewrites it", "[dns]") {
    TempDir dir;
    auto o = options_in(dir);
    write_text(o.path, original);
    boost::asio::io_context io;
    ResolvConfDns dns(io.get_executor(), o);
    REQUIRE(dns.apply("wgpch", {"10.2.0.1"}));
    auto ours = read_text(o.path);

    SECTION("written in place") { write_text(o.path, "nameserver 192.168.1.1\n"); }
    SECTION("replaced by rename") {
        write_text(dir / "new", "nameserver 192.168.1.1\n");
        std::filesystem::rename(dir / "new", o.path);
    }
    SECTION("deleted") { std::filesystem::remove(o.path); }

    for (int i = 0; i < 50 && (!std::filesystem::exists(o.path) || read_text(o.path) != ours); ++i)
        test::run_for(io, std::chrono::milliseconds(20));
    CHECK(read_text(o.path) == ours);
    CHECK(dns.reapplied() == 1);

    REQUIRE(dns.revert());
    CHECK(read_text(o.path) == original);
    // No watch after revert: a later rewrite stays.
    write_text(o.path, "nameserver 192.168.1.1\n");
    test::run_for(io, std::chrono::milliseconds(100));
    CHECK(read_text(o.path) == "nameserver 192.168.1.1\n");
}

TEST_CASE("replace_file renames when it can and keeps the mode", "[dns]") {
    TempDir dir;
    write_text(dir / "f", "old");
    ::chmod((dir / "f").c_str(), 0640);
    auto how = replace_file(dir / "f", "new");
    REQUIRE(how);
    CHECK(*how == ReplaceMethod::renamed);
    CHECK(read_text(dir / "f") == "new");
    CHECK(mode_of(dir / "f") == 0640);
    CHECK_FALSE(replace_file(dir / "missing", "x"));
}

TEST_CASE("a symlinked resolv.conf is written through, the link stays", "[dns]") {
    TempDir dir;
    write_text(dir / "real.conf", original);
    std::filesystem::create_symlink(dir / "real.conf", dir / "resolv.conf");
    auto o = options_in(dir);
    boost::asio::io_context io;
    ResolvConfDns dns(io.get_executor(), o);
    REQUIRE(dns.apply("wgpch", {"10.2.0.1"}));
    CHECK(std::filesystem::is_symlink(o.path));
    CHECK(written_by_pvpn(read_text(dir / "real.conf")));
    REQUIRE(dns.revert());
    CHECK(std::filesystem::is_symlink(o.path));
    CHECK(read_text(dir / "real.conf") == original);
}

TEST_CASE("a stale backup is replaced by the file pvpn is about to overwrite", "[dns]") {
    TempDir dir;
    auto o = options_in(dir);
    write_text(o.path, original);
    write_text(o.backup, "nameserver 10.0.0.1\n");  // left from long ago; the file is not pvpn's
    boost::asio::io_context io;
    ResolvConfDns dns(io.get_executor(), o);
    REQUIRE(dns.apply("wgpch", {"10.2.0.1"}));
    CHECK(read_text(o.backup) == original);
    REQUIRE(dns.revert());
    CHECK(read_text(o.path) == original);
}

TEST_CASE("pvpn's file without its backup is refused, not guessed at", "[dns]") {
    TempDir dir;
    auto o = options_in(dir);
    write_text(o.path, render_resolv_conf({"10.2.0.1"}, o.backup).value());
    boost::asio::io_context io;
    ResolvConfDns dns(io.get_executor(), o);
    auto r = dns.apply("wgpch", {"10.2.0.1"});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("restore it by hand") != std::string::npos);
}
