// Replies of Proton's API (daemon/proton/api_parse) and pvpnd's own
// servers.json, each fed to every parser; a server list that parses is then
// used the way `connect` and `list` use it.
#include "daemon/proton/api_parse.hpp"
#include "daemon/proton/servers.hpp"
#include "daemon/wg/key.hpp"
#include "fuzz/check.hpp"

#include <boost/json.hpp>

#include <arpa/inet.h>

#include <random>

using namespace pvpn;
using namespace pvpn::proton;

namespace {

/// api_parse.hpp's promise: a server is usable only with an IPv4 entry
/// address and a WireGuard key of 32 base64 bytes, as the tunnel code reads them.
void check_usable(PhysicalServer const& p) {
    if (!p.usable()) return;
    in_addr address{};
    PVPN_FUZZ_CHECK(p.entry_ip.find('\0') == std::string::npos);
    PVPN_FUZZ_CHECK(::inet_pton(AF_INET, p.entry_ip.c_str(), &address) == 1);
    PVPN_FUZZ_CHECK(wg::decode_key(p.x25519_public_key, "server key").has_value());
}

void use_list(ServerList& list, std::string_view body) {
    for (auto const& logical : list.logicals) {
        PVPN_FUZZ_CHECK(std::size_t{logical.first_physical} + logical.physical_count <= list.physicals.size());
        for (auto const& physical : list.physicals_of(logical)) check_usable(physical);
        (void)list.online(logical);
        (void)probe_address(list, logical);
        std::mt19937 rng(1);
        if (auto const* picked = pick_physical(list, logical, rng)) PVPN_FUZZ_CHECK(picked->usable());
        (void)boost::json::serialize(server_json(logical));
        PVPN_FUZZ_CHECK(list.find(logical.name) != nullptr);
    }
    for (bool p2p : {false, true}) {
        ServerFilter filter;
        filter.p2p = p2p;
        if (auto picked = select_servers(list, filter))
            for (auto i : *picked) PVPN_FUZZ_CHECK(i < list.logicals.size() && list.online(list.logicals[i]));
    }
    if (auto loads = parse_loads(body)) (void)list.apply_loads(*loads);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    auto const body = fuzz::as_text(data, size);
    (void)parse_auth_info(body);
    (void)parse_auth(body);
    (void)parse_twofa(body);
    (void)parse_refresh(body);
    (void)parse_vpn_info(body);
    (void)parse_client_config(body);
    (void)parse_certificate(body);
    (void)parse_error_body(body);
    (void)parse_loads(body);
    if (auto list = parse_logicals(body)) use_list(*list, body);
    if (auto cache = parse_server_cache(body)) use_list(cache->servers, body);
    return 0;
}
