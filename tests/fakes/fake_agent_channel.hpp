// A scripted local-agent channel: each request gets the answer the script's
// `answer` gives (none: silence), opens succeed or fail as scripted, and
// everything sent is recorded. All channels a test's factory makes share one
// Script, so reconnections can be counted.
#pragma once

#include "daemon/agent/agent_channel.hpp"
#include "daemon/agent/local_agent.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pvpn::test {

class FakeAgentChannel final : public agent::AgentChannel {
public:
    struct Script {
        std::function<std::optional<std::string>(std::string const& request)> answer;
        std::deque<Result<void>> open_results;  ///< Front is used per open (then success).
        std::vector<std::string> sent;          ///< Every body sent, over all channels.
        std::vector<std::string> certificates;  ///< The login certificate of each channel made.
        int opens = 0;
        FakeAgentChannel* current = nullptr;
    };

    /// A ChannelFactory over `script`.
    static agent::ChannelFactory factory(boost::asio::any_io_executor ex, std::shared_ptr<Script> script) {
        return [ex, script](agent::AgentLogin const& login) -> Result<std::unique_ptr<agent::AgentChannel>> {
            script->certificates.push_back(login.certificate_pem);
            return std::unique_ptr<agent::AgentChannel>(new FakeAgentChannel(ex, script));
        };
    }

    FakeAgentChannel(boost::asio::any_io_executor ex, std::shared_ptr<Script> script)
        : script_(std::move(script)), signal_(ex) {
        script_->current = this;
    }
    ~FakeAgentChannel() override {
        if (script_->current == this) script_->current = nullptr;
    }

    /// An unsolicited message from the agent.
    void push(std::string body) {
        inbox_.push_back(std::move(body));
        wake();
    }

    boost::asio::awaitable<Result<void>> open() override {
        ++script_->opens;
        if (script_->open_results.empty()) co_return Result<void>{};
        auto r = script_->open_results.front();
        script_->open_results.pop_front();
        co_return r;
    }

    boost::asio::awaitable<Result<void>> send(std::string body) override {
        if (closed_) co_return fail(Errc::network, "closed");
        script_->sent.push_back(body);
        if (script_->answer)
            if (auto reply = script_->answer(body)) push(std::move(*reply));
        co_return Result<void>{};
    }

    boost::asio::awaitable<Result<std::string>> receive() override {
        for (;;) {
            if (closed_) co_return fail(Errc::network, "the fake channel was closed");
            if (!inbox_.empty()) {
                auto m = std::move(inbox_.front());
                inbox_.pop_front();
                co_return m;
            }
            signalled_ = false;
            signal_.expires_at(boost::asio::steady_timer::time_point::max());
            co_await signal_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            if (!signalled_) co_return fail(Errc::network, "receive cancelled");
        }
    }

    void close() override {
        closed_ = true;
        wake();
    }

private:
    void wake() {
        signalled_ = true;
        signal_.cancel();
    }

    std::shared_ptr<Script> script_;
    boost::asio::steady_timer signal_;
    std::deque<std::string> inbox_;
    bool closed_ = false;
    bool signalled_ = false;
};

} // namespace pvpn::test
