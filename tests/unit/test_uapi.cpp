#include "daemon/wg/uapi_protocol.hpp"
#include "daemon/wg/wg_process.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace pvpn;
using namespace pvpn::wg;

namespace {
// Two arbitrary 32-byte keys, in base64 and in hex.
constexpr char const* private_b64 = "4GgaQCy68nzNsUE5aJ9fuLzHhB65tAlwbmA72MWnOm8=";
constexpr char const* private_hex = "e0681a402cbaf27ccdb14139689f5fb8bcc7841eb9b409706e603bd8c5a73a6f";
constexpr char const* peer_b64 = "t0UBt2lKs2TJ8cWE5bemV0ylBxdbTbh9ArfeagRjRUQ=";
constexpr char const* peer_hex = "b74501b7694ab364c9f1c584e5b7a6574ca507175b4db87d02b7de6a04634544";
} // namespace

TEST_CASE("set=1 carries key, mark, peer, endpoint and allowed IPs", "[uapi]") {
    DeviceConfig config;
    config.private_key = private_b64;
    config.fwmark = 0xca6d;
    config.peers.push_back(PeerConfig{peer_b64, "203.0.113.7:51820", {"0.0.0.0/0", "::/0"}, 25});
    auto text = render_uapi_set(config);
    REQUIRE(text);
    CHECK(*text == std::string("set=1\n") + "private_key=" + private_hex + "\nfwmark=51821\nreplace_peers=true\n" +
                       "public_key=" + peer_hex + "\nendpoint=203.0.113.7:51820\npersistent_keepalive_interval=25\n" +
                       "replace_allowed_ips=true\nallowed_ip=0.0.0.0/0\nallowed_ip=::/0\n\n");
}

TEST_CASE("set=1 without a private key changes only the peer", "[uapi]") {
    DeviceConfig config;
    config.peers.push_back(PeerConfig{peer_b64, "[2001:db8::1]:51820", {"10.0.0.0/8"}, 0});
    auto text = render_uapi_set(config);
    REQUIRE(text);
    CHECK(text->find("private_key") == std::string::npos);
    CHECK(text->find("endpoint=[2001:db8::1]:51820\n") != std::string::npos);
    CHECK(text->find("allowed_ip=10.0.0.0/8\n") != std::string::npos);
}

TEST_CASE("set=1 refuses malformed input without echoing the private key", "[uapi]") {
    DeviceConfig bad_key;
    bad_key.private_key = "c2VjcmV0";  // "secret": valid base64, not 32 bytes
    auto r = render_uapi_set(bad_key);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("c2VjcmV0") == std::string::npos);

    DeviceConfig bad_endpoint;
    bad_endpoint.peers.push_back(PeerConfig{peer_b64, "nowhere", {}, 0});
    CHECK_FALSE(render_uapi_set(bad_endpoint));
    DeviceConfig bad_ip;
    bad_ip.peers.push_back(PeerConfig{peer_b64, "", {"10.0.0.0/99"}, 0});
    CHECK_FALSE(render_uapi_set(bad_ip));
}

TEST_CASE("get=1 replies are parsed into peers and counters", "[uapi]") {
    std::string reply = std::string("private_key=") + private_hex + "\nlisten_port=51820\nfwmark=51821\n" +
                        "public_key=" + peer_hex + "\npreshared_key=" + std::string(64, '0') +
                        "\nprotocol_version=1\nendpoint=203.0.113.7:51820\nlast_handshake_time_sec=1700000000\n" +
                        "last_handshake_time_nsec=5\ntx_bytes=1234\nrx_bytes=5678\npersistent_keepalive_interval=25\n" +
                        "allowed_ip=0.0.0.0/0\nallowed_ip=::/0\nsome_future_key=x\nerrno=0\n\n";
    CHECK(uapi_reply_complete(reply));
    auto status = parse_uapi_get_reply(reply);
    REQUIRE(status);
    CHECK(status->listen_port == 51820);
    CHECK(status->fwmark == 0xca6d);
    REQUIRE(status->peers.size() == 1);
    auto const& peer = status->peers[0];
    CHECK(peer.public_key == peer_b64);
    CHECK(peer.endpoint == "203.0.113.7:51820");
    CHECK(peer.last_handshake == 1700000000);
    CHECK(peer.tx_bytes == 1234);
    CHECK(peer.rx_bytes == 5678);
}

TEST_CASE("a device without peers parses; errors are errors", "[uapi]") {
    auto empty = parse_uapi_get_reply("listen_port=0\nerrno=0\n\n");
    REQUIRE(empty);
    CHECK(empty->peers.empty());

    auto refused = parse_uapi_get_reply("errno=19\n\n");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("errno 19") != std::string::npos);

    CHECK_FALSE(parse_uapi_get_reply("listen_port=1\n\n"));                  // no errno
    CHECK_FALSE(parse_uapi_get_reply("listen_port=99999\nerrno=0\n\n"));     // out of range
    CHECK_FALSE(parse_uapi_get_reply("public_key=abc\nerrno=0\n\n"));        // short key
    CHECK_FALSE(parse_uapi_get_reply("garbage\nerrno=0\n\n"));               // no '='
    CHECK_FALSE(parse_uapi_get_reply(std::string("public_key=") + peer_hex + "\nrx_bytes=-1\nerrno=0\n\n"));
    CHECK_FALSE(parse_uapi_get_reply(std::string("public_key=") + peer_hex +
                                     "\nlast_handshake_time_sec=-5\nerrno=0\n\n"));
    CHECK_FALSE(parse_uapi_get_reply(""));

    CHECK(parse_uapi_set_reply("errno=0\n\n"));
    CHECK_FALSE(parse_uapi_set_reply("errno=22\n\n"));
    CHECK_FALSE(parse_uapi_set_reply("\n"));
    CHECK_FALSE(parse_uapi_set_reply("errno=x\n\n"));
}

TEST_CASE("counters before a peer's key are ignored, not misattributed", "[uapi]") {
    auto status = parse_uapi_get_reply("rx_bytes=5\nendpoint=1.2.3.4:5\nerrno=0\n\n");
    REQUIRE(status);
    CHECK(status->peers.empty());
}

TEST_CASE("the parser survives arbitrary bytes", "[uapi]") {
    std::mt19937 rng(12345);
    std::string alphabet = "=\n0123456789abcdef_errnopublic_keyrx_bytes\xff";
    for (int i = 0; i < 2000; ++i) {
        std::string input;
        auto len = rng() % 200;
        for (unsigned j = 0; j < len; ++j) input += alphabet[rng() % alphabet.size()];
        (void)parse_uapi_get_reply(input);
        (void)parse_uapi_set_reply(input);
        (void)uapi_reply_complete(input);
    }
    SUCCEED();
}

TEST_CASE("wireguard-go is recognised by its command line", "[uapi]") {
    using namespace std::string_literals;
    CHECK(is_wireguard_go_cmdline("/usr/bin/wireguard-go\0-f\0wgpch\0"s, "wgpch"));
    CHECK(is_wireguard_go_cmdline("wireguard-go\0-f\0wgpch"s, "wgpch"));
    CHECK_FALSE(is_wireguard_go_cmdline("/usr/bin/wireguard-go\0-f\0wgpnl\0"s, "wgpch"));
    CHECK_FALSE(is_wireguard_go_cmdline("/bin/sleep\0wgpch\0"s, "wgpch"));
    CHECK_FALSE(is_wireguard_go_cmdline(""s, "wgpch"));
}
