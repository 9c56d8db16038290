// The real-kernel tests: they change links, routes, rules and DNS, so they
// run only as root and only inside a network namespace of their own
// (`unshare -n pvpn_sys_tests`, as CTest runs them), never in the host's.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <net/if.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>

namespace {

/// Exit status CTest reads as "skipped" (SKIP_RETURN_CODE).
constexpr int skipped = 77;

/// A fresh namespace from `unshare -n` has nothing but a loopback device;
/// the host's has its real interfaces. (PID 1's namespace cannot always be
/// read to compare with, e.g. in a VM sandbox.)
bool in_fresh_netns() {
    struct if_nameindex* names = ::if_nameindex();
    if (!names) return false;
    bool only_lo = true;
    for (auto* n = names; n->if_index != 0; ++n)
        if (std::string_view(n->if_name) != "lo") only_lo = false;
    ::if_freenameindex(names);
    return only_lo;
}

} // namespace

int main(int argc, char* argv[]) {
    if (::geteuid() != 0) {
        std::puts("pvpn_sys_tests: skipped: these tests need root (they create links, routes and rules)");
        return skipped;
    }
    if (!in_fresh_netns()) {
        std::puts("pvpn_sys_tests: refusing to run in a network namespace with interfaces (the host's?); run `unshare -n pvpn_sys_tests`");
        return skipped;
    }
    return Catch::Session().run(argc, argv);
}
