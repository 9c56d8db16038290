#include "daemon/wg/genl_messages.hpp"
#include "daemon/wg/key.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <arpa/inet.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <cstring>

using namespace pvpn;
using namespace pvpn::wg;

namespace {

constexpr char const* private_b64 = "4GgaQCy68nzNsUE5aJ9fuLzHhB65tAlwbmA72MWnOm8=";
constexpr char const* peer_b64 = "t0UBt2lKs2TJ8cWE5bemV0ylBxdbTbh9ArfeagRjRUQ=";
constexpr int family_id = 0x20;

std::vector<nlattr*> nested(nlattr* parent) {
    std::vector<nlattr*> out;
    nlattr* a;
    int rem;
    nla_for_each_nested(a, parent, rem) out.push_back(a);
    return out;
}

} // namespace

TEST_CASE("WG_CMD_SET_DEVICE carries the device and one peer as nested attributes", "[genl]") {
    DeviceConfig config;
    config.private_key = private_b64;
    config.fwmark = 0xca6d;
    config.peers.push_back(PeerConfig{peer_b64, "203.0.113.7:51820", {"0.0.0.0/0", "::/0"}, 25});
    auto msg = build_set_device(family_id, "wgpch", config);
    REQUIRE(msg);
    nlmsghdr* hdr = nlmsg_hdr(msg->get());
    CHECK(hdr->nlmsg_type == family_id);
    CHECK((hdr->nlmsg_flags & NLM_F_ACK) != 0);
    auto* genl = static_cast<genlmsghdr*>(nlmsg_data(hdr));
    CHECK(genl->cmd == WG_CMD_SET_DEVICE);
    CHECK(genl->version == WG_GENL_VERSION);

    nlattr* dev[WGDEVICE_A_MAX + 1] = {};
    REQUIRE(genlmsg_parse(hdr, 0, dev, WGDEVICE_A_MAX, nullptr) == 0);
    CHECK(std::string(nla_get_string(dev[WGDEVICE_A_IFNAME])) == "wgpch");
    REQUIRE(dev[WGDEVICE_A_PRIVATE_KEY]);
    CHECK(nla_len(dev[WGDEVICE_A_PRIVATE_KEY]) == WG_KEY_LEN);
    auto key = decode_key(private_b64, "k").value();
    CHECK(std::memcmp(nla_data(dev[WGDEVICE_A_PRIVATE_KEY]), key.data(), 32) == 0);
    CHECK(nla_get_u32(dev[WGDEVICE_A_FWMARK]) == 0xca6d);
    CHECK(nla_get_u32(dev[WGDEVICE_A_FLAGS]) == WGDEVICE_F_REPLACE_PEERS);
    CHECK(dev[WGDEVICE_A_LISTEN_PORT] == nullptr);

    // The kernel's strict parser wants NLA_F_NESTED on every nest.
    REQUIRE(dev[WGDEVICE_A_PEERS]);
    CHECK((dev[WGDEVICE_A_PEERS]->nla_type & NLA_F_NESTED) != 0);
    auto peers = nested(dev[WGDEVICE_A_PEERS]);
    REQUIRE(peers.size() == 1);
    CHECK((peers[0]->nla_type & NLA_F_NESTED) != 0);
    nlattr* peer[WGPEER_A_MAX + 1] = {};
    REQUIRE(nla_parse_nested(peer, WGPEER_A_MAX, peers[0], nullptr) == 0);
    auto pub = decode_key(peer_b64, "k").value();
    CHECK(std::memcmp(nla_data(peer[WGPEER_A_PUBLIC_KEY]), pub.data(), 32) == 0);
    CHECK(nla_get_u32(peer[WGPEER_A_FLAGS]) == WGPEER_F_REPLACE_ALLOWEDIPS);
    CHECK(nla_get_u16(peer[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) == 25);
    REQUIRE(nla_len(peer[WGPEER_A_ENDPOINT]) == sizeof(sockaddr_in));
    sockaddr_in sa;
    std::memcpy(&sa, nla_data(peer[WGPEER_A_ENDPOINT]), sizeof sa);
    CHECK(sa.sin_family == AF_INET);
    CHECK(ntohs(sa.sin_port) == 51820);
    CHECK(ntohl(sa.sin_addr.s_addr) == 0xcb007107u);

    auto ips = nested(peer[WGPEER_A_ALLOWEDIPS]);
    REQUIRE(ips.size() == 2);
    nlattr* ip4[WGALLOWEDIP_A_MAX + 1] = {};
    REQUIRE(nla_parse_nested(ip4, WGALLOWEDIP_A_MAX, ips[0], nullptr) == 0);
    CHECK(nla_get_u16(ip4[WGALLOWEDIP_A_FAMILY]) == AF_INET);
    CHECK(nla_len(ip4[WGALLOWEDIP_A_IPADDR]) == 4);
    CHECK(nla_get_u8(ip4[WGALLOWEDIP_A_CIDR_MASK]) == 0);
    nlattr* ip6[WGALLOWEDIP_A_MAX + 1] = {};
    REQUIRE(nla_parse_nested(ip6, WGALLOWEDIP_A_MAX, ips[1], nullptr) == 0);
    CHECK(nla_get_u16(ip6[WGALLOWEDIP_A_FAMILY]) == AF_INET6);
    CHECK(nla_len(ip6[WGALLOWEDIP_A_IPADDR]) == 16);

    wipe_message(msg->get());
    CHECK(nlmsg_hdr(msg->get())->nlmsg_len == 0);
}

TEST_CASE("WG_CMD_SET_DEVICE refuses a bad key before building anything", "[genl]") {
    DeviceConfig config;
    config.peers.push_back(PeerConfig{"AAAA", "203.0.113.7:51820", {}, 0});
    CHECK_FALSE(build_set_device(family_id, "wgpch", config));
}

TEST_CASE("WG_CMD_GET_DEVICE replies are parsed, split peers merged", "[genl]") {
    auto get = build_get_device(family_id, "wgpch");
    REQUIRE(get);
    CHECK((nlmsg_hdr(get->get())->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);

    auto pub = decode_key(peer_b64, "k").value();
    auto reply = [&](bool with_counters) {
        NlMsg msg(nlmsg_alloc());
        genlmsg_put(msg.get(), 0, 0, family_id, 0, NLM_F_MULTI, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
        nla_put_u16(msg.get(), WGDEVICE_A_LISTEN_PORT, 40000);
        nla_put_u32(msg.get(), WGDEVICE_A_FWMARK, 0xca6d);
        nlattr* peers = nla_nest_start(msg.get(), WGDEVICE_A_PEERS | NLA_F_NESTED);
        nlattr* peer = nla_nest_start(msg.get(), 0 | NLA_F_NESTED);
        nla_put(msg.get(), WGPEER_A_PUBLIC_KEY, 32, pub.data());
        if (with_counters) {
            sockaddr_in6 sa{};
            sa.sin6_family = AF_INET6;
            sa.sin6_port = htons(51820);
            inet_pton(AF_INET6, "2001:db8::7", &sa.sin6_addr);
            nla_put(msg.get(), WGPEER_A_ENDPOINT, sizeof sa, &sa);
            __kernel_timespec ts{1700000000, 9};
            nla_put(msg.get(), WGPEER_A_LAST_HANDSHAKE_TIME, sizeof ts, &ts);
            nla_put_u64(msg.get(), WGPEER_A_RX_BYTES, 111);
            nla_put_u64(msg.get(), WGPEER_A_TX_BYTES, 222);
        }
        nla_nest_end(msg.get(), peer);
        nla_nest_end(msg.get(), peers);
        return msg;
    };
    DeviceStatus status;
    auto first = reply(true);
    auto second = reply(false);  // the kernel continues the same peer's allowed IPs
    REQUIRE(parse_get_device(nlmsg_hdr(first.get()), status));
    REQUIRE(parse_get_device(nlmsg_hdr(second.get()), status));
    CHECK(status.listen_port == 40000);
    CHECK(status.fwmark == 0xca6d);
    REQUIRE(status.peers.size() == 1);
    CHECK(status.peers[0].public_key == peer_b64);
    CHECK(status.peers[0].endpoint == "[2001:db8::7]:51820");
    CHECK(status.peers[0].last_handshake == 1700000000);
    CHECK(status.peers[0].rx_bytes == 111);
    CHECK(status.peers[0].tx_bytes == 222);
}
