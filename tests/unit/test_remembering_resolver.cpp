#include "daemon/net/remembering_resolver.hpp"

#include "catch_result.hpp"
#include "run_coro.hpp"
#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <fstream>
#include <sstream>

using namespace pvpn;
using namespace pvpn::net;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// DNS as the tests script it: each lookup takes the next answer (an address
// list, or an error when empty) and records the deadline it was given.
class ScriptedResolver final : public HostResolver {
public:
    std::deque<std::vector<std::string>> answers;
    std::vector<std::chrono::milliseconds> deadlines;
    std::vector<std::string> hosts;

    asio::awaitable<Result<TcpEndpoints>> resolve(std::string host, std::string port,
                                                  std::chrono::milliseconds deadline) override {
        hosts.push_back(host);
        deadlines.push_back(deadline);
        std::vector<std::string> answer;
        if (!answers.empty()) {
            answer = answers.front();
            answers.pop_front();
        }
        if (answer.empty()) co_return fail(Errc::network, "cannot resolve " + host + ": Temporary failure in name resolution");
        TcpEndpoints out;
        for (auto const& a : answer)
            out.emplace_back(asio::ip::make_address(a), static_cast<unsigned short>(std::stoi(port)));
        co_return out;
    }
};

std::vector<std::string> addresses(TcpEndpoints const& endpoints) {
    std::vector<std::string> out;
    for (auto const& e : endpoints) out.push_back(e.address().to_string() + ":" + std::to_string(e.port()));
    return out;
}

std::string slurp(std::filesystem::path const& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Fixture {
    test::TempDir dir;
    ScriptedResolver dns;
    std::int64_t now = 1'700'000'000;
    asio::io_context io;

    RememberingResolver make() { return RememberingResolver(dns, dir / "api-hosts.json", [this] { return now; }); }

    Result<TcpEndpoints> lookup(RememberingResolver& r, std::string host, std::string port = "443") {
        return test::run_coro(io, r.resolve(std::move(host), std::move(port), 10'000ms));
    }
};

} // namespace

TEST_CASE("a name resolved once is still reachable when DNS is blocked, after a restart too", "[dns]") {
    Fixture f;
    {
        auto r = f.make();
        f.dns.answers = {{"198.51.100.10", "2001:db8::10"}};
        auto first = f.lookup(r, "vpn-api.lab.test");
        REQUIRE(first);
        CHECK(addresses(*first) == std::vector<std::string>{"198.51.100.10:443", "2001:db8::10:443"});
        CHECK(f.dns.deadlines.back() == 10'000ms);  // nothing remembered yet: the full deadline
        CHECK(r.remembers("vpn-api.lab.test"));
        CHECK_FALSE(r.remembers("other.lab.test"));
    }
    // A new pvpnd (new object, same file); DNS now fails as under the kill-switch.
    auto r = f.make();
    auto blocked = f.lookup(r, "vpn-api.lab.test", "8443");
    REQUIRE(blocked);
    CHECK(addresses(*blocked) == std::vector<std::string>{"198.51.100.10:8443", "2001:db8::10:8443"});
    // With an answer in memory the system resolver only gets a short try.
    CHECK(f.dns.deadlines.back() == RememberingResolver::quick_deadline);
}

TEST_CASE("without a remembered address the DNS error says so", "[dns]") {
    Fixture f;
    auto r = f.make();
    auto none = f.lookup(r, "vpn-api.lab.test");
    REQUIRE_FALSE(none);
    CHECK(none.error().code == Errc::network);
    CHECK_THAT(none.error().message, Catch::Contains("Temporary failure") && Catch::Contains("no address of vpn-api.lab.test is remembered"));
    CHECK_FALSE(std::filesystem::exists(f.dir / "api-hosts.json"));
}

TEST_CASE("a fresh answer replaces the remembered one, and other hosts are kept", "[dns]") {
    Fixture f;
    auto r = f.make();
    f.dns.answers = {{"198.51.100.10"}, {"192.0.2.80"}, {"198.51.100.11"}};
    REQUIRE(f.lookup(r, "vpn-api.lab.test"));
    REQUIRE(f.lookup(r, "other.lab.test"));
    f.now += 60;
    REQUIRE(f.lookup(r, "vpn-api.lab.test"));
    auto doc = boost::json::parse(slurp(f.dir / "api-hosts.json")).as_object();
    auto const& hosts = doc.at("hosts").as_object();
    CHECK(hosts.at("vpn-api.lab.test").at("addresses") == boost::json::array{"198.51.100.11"});
    CHECK(hosts.at("vpn-api.lab.test").at("resolved_at") == 1'700'000'060);
    CHECK(hosts.at("other.lab.test").at("addresses") == boost::json::array{"192.0.2.80"});
    CHECK((std::filesystem::status(f.dir / "api-hosts.json").permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    auto blocked = f.lookup(r, "vpn-api.lab.test");
    REQUIRE(blocked);
    CHECK(addresses(*blocked) == std::vector<std::string>{"198.51.100.11:443"});
}

TEST_CASE("IP literals and unreadable memory files never use the memory", "[dns]") {
    Fixture f;
    test::write_text(f.dir / "api-hosts.json", "{\"hosts\": {\"vpn-api.lab.test\": {\"addresses\": [\"not an ip\"]}}}");
    auto r = f.make();
    CHECK_FALSE(f.lookup(r, "vpn-api.lab.test"));  // the bad address is ignored: nothing remembered
    test::write_text(f.dir / "api-hosts.json", "garbage");
    CHECK_FALSE(f.lookup(r, "vpn-api.lab.test"));
    f.dns.answers = {{"198.51.100.10"}};
    auto literal = f.lookup(r, "198.51.100.10");
    REQUIRE(literal);
    CHECK(slurp(f.dir / "api-hosts.json") == "garbage");  // a literal is not remembered
}
