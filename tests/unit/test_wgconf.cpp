#include "daemon/tunnel/wg_quick_conf.hpp"

#include "temp_dir.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace pvpn;
using namespace pvpn::tunnel;

TEST_CASE("wg-quick files have the standard layout", "[wgconf]") {
    WgQuickConf conf;
    conf.private_key = "4GgaQCy68nzNsUE5aJ9fuLzHhB65tAlwbmA72MWnOm8=";
    conf.peer_public_key = "t0UBt2lKs2TJ8cWE5bemV0ylBxdbTbh9ArfeagRjRUQ=";
    conf.endpoint = "203.0.113.7:51820";
    conf.comment = "CH#1 (Zurich)";
    CHECK(render_wg_quick_conf(conf) ==
          "# CH#1 (Zurich)\n"
          "[Interface]\n"
          "PrivateKey = 4GgaQCy68nzNsUE5aJ9fuLzHhB65tAlwbmA72MWnOm8=\n"
          "Address = 10.2.0.2/32\n"
          "DNS = 10.2.0.1\n"
          "\n"
          "[Peer]\n"
          "PublicKey = t0UBt2lKs2TJ8cWE5bemV0ylBxdbTbh9ArfeagRjRUQ=\n"
          "AllowedIPs = 0.0.0.0/0, ::/0\n"
          "Endpoint = 203.0.113.7:51820\n"
          "PersistentKeepalive = 25\n");
}

TEST_CASE("file names are interface names wg-quick accepts", "[wgconf]") {
    CHECK(wg_quick_conf_stem("CH#1") == "CH-1");
    CHECK(wg_quick_conf_stem("CH-SE#1") == "CH-SE-1");
    CHECK(wg_quick_conf_stem("US-FREE#34") == "US-FREE-34");
    CHECK(wg_quick_conf_stem("NL#123456789012345") == "NL-123456789012");
    CHECK(wg_quick_conf_stem("a/b c") == "a-b-c");
    CHECK(wg_quick_conf_stem("##") == "pvpn");
    CHECK(wg_quick_conf_stem("..") == "pvpn");
}

TEST_CASE("wg-quick files are private", "[wgconf]") {
    test::TempDir dir;
    WgQuickConf conf;
    conf.private_key = "secret";
    auto path = write_wg_quick_conf(dir / "wireguard", "CH#1", conf);
    REQUIRE(path);
    CHECK(path->filename() == "CH-1.conf");
    struct stat st {};
    REQUIRE(::stat(path->c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir / "wireguard").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(test::read_text(*path) == render_wg_quick_conf(conf));
}
