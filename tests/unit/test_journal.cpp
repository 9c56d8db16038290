#include "daemon/tunnel/journal.hpp"

#include "temp_dir.hpp"

#include "catch_result.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace pvpn;
using namespace pvpn::tunnel;

namespace {

Journal sample() {
    Journal j;
    j.info = TunnelInfo{"wgpch", "t0UBt2lKs2TJ8cWE5bemV0ylBxdbTbh9ArfeagRjRUQ=", "203.0.113.7:51820", "10.2.0.2/32",
                        "10.2.0.1", {"10.2.0.1"}, 0xca6d, 51820, 25};
    j.steps.push_back(DeviceStep{"wgpch", "wireguard-go", 1234});
    j.steps.push_back(RouteStep{net::Route{net::IpPrefix::parse("0.0.0.0/0").value(), "wgpch", 51820,
                                           net::RouteType::unicast}});
    j.steps.push_back(RouteStep{net::Route{net::IpPrefix::parse("::/0").value(), "", 51820,
                                           net::RouteType::unreachable}});
    net::Rule rule;
    rule.family = net::Family::ipv6;
    rule.priority = 32765;
    rule.fwmark = 0xca6d;
    rule.invert = true;
    rule.table = 51820;
    j.steps.push_back(RuleStep{rule});
    net::Rule suppress;
    suppress.priority = 32764;
    suppress.suppress_prefixlength = 0;
    j.steps.push_back(RuleStep{suppress});
    j.steps.push_back(DnsStep{"wgpch", "resolv.conf"});
    return j;
}

} // namespace

TEST_CASE("the journal survives a round trip through JSON", "[journal]") {
    auto j = sample();
    auto back = journal_from_json(journal_to_json(j));
    REQUIRE(back);
    CHECK(*back == j);
}

TEST_CASE("a device step without a pid round-trips", "[journal]") {
    Journal j;
    j.info.ifname = "wgpch";
    j.steps.push_back(DeviceStep{"wgpch", "kernel", std::nullopt});
    auto back = journal_from_json(journal_to_json(j));
    REQUIRE(back);
    CHECK(*back == j);
}

TEST_CASE("anything else is refused", "[journal]") {
    CHECK_FALSE(journal_from_json(""));
    CHECK_FALSE(journal_from_json("[]"));
    CHECK_FALSE(journal_from_json(R"({"version":2,"tunnel":{},"steps":[]})"));
    auto text = journal_to_json(sample());
    auto bad_op = text;
    bad_op.replace(bad_op.find("\"device\""), 8, "\"reboot\"");
    CHECK_FALSE(journal_from_json(bad_op));
    auto bad_prefix = text;
    bad_prefix.replace(bad_prefix.find("0.0.0.0/0"), 9, "0.0.0.0/99");
    CHECK_FALSE(journal_from_json(bad_prefix));
    auto bad_number = text;
    bad_number.replace(bad_number.find("\"priority\":32765"), 16, "\"priority\":-1");
    CHECK_FALSE(journal_from_json(bad_number));
}

TEST_CASE("the journal file is private and removable", "[journal]") {
    test::TempDir dir;
    auto path = dir / "tunnel.json";
    auto none = load_journal(path);
    REQUIRE(none);
    CHECK_FALSE(*none);
    REQUIRE(save_journal(path, sample()));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto loaded = load_journal(path);
    REQUIRE(loaded);
    REQUIRE(*loaded);
    CHECK(**loaded == sample());
    REQUIRE(remove_journal(path));
    REQUIRE(remove_journal(path));
    CHECK_FALSE(std::filesystem::exists(path));
}
