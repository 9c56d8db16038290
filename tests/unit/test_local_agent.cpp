// The local agent session: features-set first, status kept alive, reasons in
// words, reconnection after a certificate refresh, unreachable agents retried.
#include "catch_result.hpp"
#include "daemon/agent/local_agent.hpp"
#include "run_awaitable.hpp"
#include "tests/fakes/fake_agent_channel.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace pvpn;
using namespace pvpn::agent;
using namespace std::chrono_literals;
using test::FakeAgentChannel;
namespace json = boost::json;

namespace {

std::string status_answer(bool pf, std::string reason = "", std::string state = "connected") {
    std::string out = R"({"status":{"state":")" + state + R"(","features":{"port-forwarding":)" +
                      (pf ? "true" : "false") + "}";
    if (!reason.empty()) out += R"(,"reason":)" + reason;
    return out + "}}";
}

struct Rig {
    boost::asio::io_context io;
    std::shared_ptr<FakeAgentChannel::Script> script = std::make_shared<FakeAgentChannel::Script>();
    std::vector<json::object> events;
    std::unique_ptr<LocalAgent> agent;

    explicit Rig(Features features = Features{true, std::nullopt, std::nullopt, std::nullopt}) {
        AgentOptions o;
        o.features = features;
        o.poll = 100ms;
        o.retry_min = 50ms;
        o.retry_max = 200ms;
        AgentLogin login{"node-ch-01.lab.test", "CERT1", "KEY"};
        agent = std::make_unique<LocalAgent>(io.get_executor(), FakeAgentChannel::factory(io.get_executor(), script),
                                             login, o, [this](json::object e) { events.push_back(std::move(e)); });
    }
    std::size_t count(std::string const& prefix) const {
        return static_cast<std::size_t>(std::count_if(script->sent.begin(), script->sent.end(),
                                                       [&](std::string const& s) { return s.rfind(prefix, 0) == 0; }));
    }
};

} // namespace

TEST_CASE("the agent gets features-set first, then status-get keeps the session alive", "[agent]") {
    Rig rig(Features{true, 1, false, std::nullopt});
    rig.script->answer = [](std::string const&) { return status_answer(true); };
    rig.agent->start();
    test::run_for(rig.io, 350ms);
    REQUIRE_FALSE(rig.script->sent.empty());
    CHECK(json::parse(rig.script->sent[0]) ==
          json::parse(R"({"features-set":{"port-forwarding":true,"netshield-level":1,"randomized-nat":false}})"));
    CHECK(rig.count(R"({"status-get")") >= 2);
    CHECK(rig.script->opens == 1);
    auto st = rig.agent->status_json();
    CHECK(st.at("state") == "connected");
    CHECK(st.at("port_forwarding") == true);
    CHECK(st.at("reason").is_null());
    CHECK(st.at("message") == "");
    CHECK(st.at("last_status").as_int64() > 0);
    CHECK(rig.agent->warning().empty());
    REQUIRE_FALSE(rig.events.empty());
    CHECK(rig.events.back().at("type") == "agent");
    CHECK(rig.events.back().at("state") == "connected");

    rig.agent->stop();
    auto sent = rig.script->sent.size();
    test::run_for(rig.io, 250ms);
    CHECK(rig.script->sent.size() == sent);  // nothing after stop
}

TEST_CASE("reason codes reach the status in words; final ones are warnings", "[agent]") {
    SECTION("torrenting on a non-P2P server") {
        Rig rig;
        rig.script->answer = [](std::string const&) {
            return status_answer(false, R"({"code":86153,"final":false,"description":"Port forwarding is not allowed"})");
        };
        rig.agent->start();
        test::run_for(rig.io, 150ms);
        auto st = rig.agent->status_json();
        CHECK(st.at("state") == "connected");
        CHECK(st.at("port_forwarding") == false);
        CHECK(st.at("reason").at("code") == 86153);
        CHECK(st.at("reason").at("text") == "torrenting not allowed on this server: use --p2p");
        CHECK(st.at("message") == "torrenting not allowed on this server: use --p2p");
        CHECK(rig.agent->warning().empty());
        rig.agent->stop();
    }
    SECTION("an expired certificate hard-jails the connection") {
        Rig rig;
        rig.script->answer = [](std::string const&) {
            return status_answer(false, R"({"code":86101,"final":true,"description":"Certificate expired"})",
                                 "hard-jailed");
        };
        rig.agent->start();
        test::run_for(rig.io, 150ms);
        CHECK(rig.agent->status_json().at("state") == "hard-jailed");
        CHECK(rig.agent->warning() == "the server's local agent restricts this connection: certificate expired");
        rig.agent->stop();
    }
    SECTION("an error answer is a note") {
        Rig rig;
        rig.script->answer = [](std::string const& request) -> std::optional<std::string> {
            if (request.find("features-set") != std::string::npos)
                return R"({"error":{"code":86201,"description":"not in your plan"}})";
            return status_answer(false);
        };
        rig.agent->start();
        test::run_for(rig.io, 250ms);
        auto st = rig.agent->status_json();
        CHECK(st.at("state") == "connected");
        CHECK(st.at("message") == "the server's policy refused a requested feature: not in your plan");
        rig.agent->stop();
    }
}

TEST_CASE("a new certificate reopens the session with it", "[agent]") {
    Rig rig;
    rig.script->answer = [](std::string const&) { return status_answer(true); };
    rig.agent->start();
    test::run_for(rig.io, 150ms);
    CHECK(rig.script->opens == 1);
    rig.agent->renew("CERT2");
    test::run_for(rig.io, 150ms);
    CHECK(rig.script->opens == 2);
    CHECK(rig.script->certificates == std::vector<std::string>{"CERT1", "CERT2"});
    CHECK(rig.count(R"({"features-set")") == 2);
    CHECK(rig.agent->status_json().at("state") == "connected");
    rig.agent->stop();
}

TEST_CASE("an unreachable agent is a note, retried until it answers", "[agent]") {
    Rig rig;
    rig.script->open_results = {fail(Errc::network, "cannot connect to the local agent at 10.2.0.1:65432: refused"),
                                fail(Errc::network, "cannot connect to the local agent at 10.2.0.1:65432: refused")};
    rig.script->answer = [](std::string const&) { return status_answer(true); };
    rig.agent->start();
    test::run_for(rig.io, 20ms);
    auto st = rig.agent->status_json();
    CHECK(st.at("state") == "unreachable");
    CHECK(st.at("port_forwarding").is_null());
    auto msg = std::string(st.at("message").as_string());
    CHECK_THAT(msg, Catch::StartsWith("cannot connect to the local agent at 10.2.0.1:65432: refused"));
    CHECK_THAT(msg, Catch::Contains("port forwarding relies on the certificate"));
    CHECK(rig.agent->warning().empty());
    test::run_for(rig.io, 400ms);  // 50 ms, then 100 ms later: the third attempt works
    CHECK(rig.script->opens == 3);
    CHECK(rig.agent->status_json().at("state") == "connected");
    rig.agent->stop();
}

TEST_CASE("an agent that stops answering is dropped and reconnected", "[agent]") {
    Rig rig;
    int answers = 0;
    rig.script->answer = [&answers](std::string const&) -> std::optional<std::string> {
        if (++answers > 2) return std::nullopt;
        return status_answer(true);
    };
    rig.agent->start();
    test::run_for(rig.io, 420ms);  // answered twice, then silence for a poll period, then a new session
    CHECK(rig.script->opens >= 2);
    CHECK_THAT(std::string(rig.agent->status_json().at("message").as_string()),
               Catch::Contains("did not answer within"));
    rig.agent->stop();
}

TEST_CASE("a message the agent sends on its own updates the status", "[agent]") {
    Rig rig;
    rig.script->answer = [](std::string const&) { return status_answer(true); };
    rig.agent->start();
    test::run_for(rig.io, 50ms);
    REQUIRE(rig.script->current);
    rig.script->current->push(status_answer(false, R"({"code":86110,"final":true,"description":"Max sessions"})",
                                            "hard-jailed"));
    test::run_for(rig.io, 20ms);
    CHECK(rig.agent->status_json().at("state") == "hard-jailed");
    CHECK(rig.agent->status_json().at("message") ==
          "too many VPN sessions for this account: disconnect another device");
    rig.agent->stop();
}
