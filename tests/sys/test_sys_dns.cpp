#include "daemon/dns/replace_file.hpp"
#include "daemon/dns/resolv_conf_dns.hpp"
#include "tests/unit/temp_dir.hpp"

#include "tests/unit/catch_result.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace pvpn;

namespace {

/// Runs `check` in a child with a mount namespace of its own (so that the
/// bind mount stays there); its exit status is the number of the first failed
/// check, 0 when all passed.
int in_private_mounts(std::function<int()> const& check) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(100);
        _exit(check());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

} // namespace

TEST_CASE("a bind-mounted resolv.conf is written in place and restored byte for byte", "[sys]") {
    test::TempDir dir;
    auto target = dir / "resolv.conf";          // what programs read: the mount point
    auto source = dir / "netns-resolv.conf";    // what is mounted over it (like /etc/netns/NS/resolv.conf)
    std::string const original = "nameserver 192.0.2.53\n# netns-specific\n";
    test::write_text(target, "nameserver 10.255.255.53\n");
    test::write_text(source, original);

    int failed = in_private_mounts([&]() -> int {
        if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) return 101;
        // A rename over a mount point fails, as in containers and `ip netns exec`.
        auto how = dns::replace_file(target, original);
        if (!how || *how != dns::ReplaceMethod::in_place) return 1;

        boost::asio::io_context io;
        dns::ResolvConfOptions options;
        options.path = target;
        options.backup = dir / "resolv.conf.pvpnbak";
        dns::ResolvConfDns dns(io.get_executor(), options);
        if (!dns.apply("wgpch", {"10.2.0.1"})) return 2;
        if (test::read_text(source).find("nameserver 10.2.0.1\n") == std::string::npos) return 3;
        if (!dns.revert()) return 4;
        if (test::read_text(source) != original) return 5;
        if (std::filesystem::exists(options.backup)) return 6;
        return 0;
    });
    CHECK(failed == 0);
    CHECK(test::read_text(source) == original);
    CHECK(test::read_text(target) == "nameserver 10.255.255.53\n");  // the file under the mount never changed
}
