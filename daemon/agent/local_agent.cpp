#include "daemon/agent/local_agent.hpp"

#include "common/log.hpp"
#include "common/spawn_log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <optional>

namespace pvpn::agent {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace asio::experimental::awaitable_operators;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

struct LocalAgent::Impl {
    Impl(asio::any_io_executor ex, ChannelFactory f, AgentLogin l, AgentOptions o, Publisher p)
        : executor(std::move(ex)), factory(std::move(f)), login(std::move(l)), options(std::move(o)),
          publish(std::move(p)), timer(executor) {}

    asio::any_io_executor executor;
    ChannelFactory factory;
    AgentLogin login;
    AgentOptions options;
    Publisher publish;
    asio::steady_timer timer;         ///< Waits between attempts.
    AgentChannel* channel = nullptr;  ///< The channel in use (owned by run()).
    bool running = false;
    bool stopped = false;
    bool renewed = false;   ///< A new certificate came: reopen at once.
    bool answered = false;  ///< A message came since the last request.

    std::string state = "connecting";
    std::string message;      ///< The reason in words, or why the agent is unreachable.
    std::string agent_error;  ///< The last error answer of this session, in words.
    std::optional<bool> port_forwarding;
    std::optional<Reason> reason;
    std::int64_t last_status = 0;

    /// A new state or message: logged and published once per change.
    void set(std::string new_state, std::string new_message) {
        if (new_state == state && new_message == message) return;
        state = std::move(new_state);
        message = std::move(new_message);
        if (stopped) return;
        std::string const detail = message.empty() ? std::string() : ": " + message;
        log::info("agent", "local agent of ", login.server_name, ": ", state, detail);
        if (publish) publish(json::object{{"type", "agent"}, {"state", state}, {"message", message}});
    }

    void heard(Message const& m) {
        answered = true;
        if (auto const* s = std::get_if<Status>(&m)) {
            last_status = now_unix();
            port_forwarding = s->features.port_forwarding;
            reason = s->reason;
            std::string words;
            if (s->reason) words = reason_words(s->reason->code, s->reason->description);
            else if (s->state == "hard-jailed") words = "the server restricts this connection (no reason given)";
            set(s->state, std::move(words));
            return;
        }
        auto text = error_words(std::get<AgentError>(m));
        if (text != agent_error) log::warn("agent", "local agent of ", login.server_name, ": ", text);
        agent_error = std::move(text);
    }

    asio::awaitable<Result<void>> read_loop(AgentChannel& ch) {
        for (;;) {
            auto body = co_await ch.receive();
            if (!body) co_return body.error();
            auto msg = parse_message(*body);
            if (!msg) co_return msg.error();
            heard(*msg);
        }
    }

    /// status-get every `poll`; the previous one must have been answered.
    asio::awaitable<Result<void>> poll_loop(AgentChannel& ch) {
        auto const use_tuple = asio::as_tuple(asio::use_awaitable);
        asio::steady_timer tick(executor);
        for (;;) {
            tick.expires_after(options.poll);
            auto [ec] = co_await tick.async_wait(use_tuple);
            if (ec || stopped || renewed) co_return Result<void>{};
            if (!answered) {
                ch.close();
                co_return fail(Errc::network, "the local agent did not answer within " +
                                                  std::to_string(options.poll.count() / 1000) + " s");
            }
            answered = false;
            std::string request = status_get_message();
            auto sent = co_await ch.send(std::move(request));
            if (!sent) co_return sent;
        }
    }

    /// One session on an open channel; ends with the reason it ended.
    asio::awaitable<Result<void>> converse(AgentChannel& ch) {
        answered = false;
        std::string first = empty(options.features) ? status_get_message() : features_set_message(options.features);
        auto sent = co_await ch.send(std::move(first));
        if (!sent) co_return sent;
        auto reader = read_loop(ch);
        auto poller = poll_loop(ch);
        auto both = std::move(reader) || std::move(poller);
        auto done = co_await std::move(both);
        if (done.index() == 0) co_return std::get<0>(done);
        co_return std::get<1>(done);
    }

    asio::awaitable<void> pause(std::chrono::milliseconds d) {
        auto const use_tuple = asio::as_tuple(asio::use_awaitable);
        timer.expires_after(d);
        co_await timer.async_wait(use_tuple);
    }

    void lost(std::string why) {
        reason.reset();
        port_forwarding.reset();
        set("unreachable", why + " (retrying; meanwhile port forwarding relies on the certificate)");
    }

    asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        auto backoff = options.retry_min;
        while (!stopped) {
            renewed = false;
            auto made = factory(login);
            if (!made) {
                lost(made.error().message);
                co_await pause(options.retry_max);
                continue;
            }
            std::unique_ptr<AgentChannel> ch = std::move(*made);
            channel = ch.get();
            agent_error.clear();
            if (state != "unreachable") set("connecting", "");
            Result<void> outcome = co_await ch->open();
            if (outcome && !stopped && !renewed) {
                backoff = options.retry_min;
                log::info("agent", "TLS session with the local agent of ", login.server_name, " is up");
                outcome = co_await converse(*ch);
            }
            ch->close();
            channel = nullptr;
            if (stopped) break;
            if (renewed) {
                log::info("agent", "new certificate: reconnecting to the local agent");
                continue;
            }
            lost(outcome ? std::string("the local agent ended the session") : outcome.error().message);
            co_await pause(backoff);
            backoff = std::min(backoff * 2, options.retry_max);
        }
        (void)self;
    }
};

LocalAgent::LocalAgent(asio::any_io_executor executor, ChannelFactory factory, AgentLogin login,
                       AgentOptions options, Publisher publish)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(factory), std::move(login), std::move(options),
                                   std::move(publish))) {}

LocalAgent::~LocalAgent() { stop(); }

void LocalAgent::start() {
    if (impl_->running || impl_->stopped) return;
    impl_->running = true;
    auto impl = impl_;
    asio::co_spawn(impl->executor, impl->run(impl), log_failure("agent", "the local agent session"));
}

void LocalAgent::stop() {
    auto& s = *impl_;
    if (s.stopped) return;
    s.stopped = true;
    s.timer.cancel();
    if (s.channel) s.channel->close();
}

void LocalAgent::renew(std::string certificate_pem) {
    auto& s = *impl_;
    if (s.stopped) return;
    s.login.certificate_pem = std::move(certificate_pem);
    s.renewed = true;
    s.timer.cancel();
    if (s.channel) s.channel->close();
}

json::object LocalAgent::status_json() const {
    auto const& s = *impl_;
    json::object o;
    o["state"] = s.state;
    if (s.port_forwarding) o["port_forwarding"] = *s.port_forwarding;
    else o["port_forwarding"] = nullptr;
    if (s.reason)
        o["reason"] = json::object{{"code", s.reason->code},
                                   {"final", s.reason->final},
                                   {"text", reason_words(s.reason->code, s.reason->description)}};
    else o["reason"] = nullptr;
    o["message"] = s.message.empty() ? s.agent_error : s.message;
    if (s.last_status) o["last_status"] = s.last_status;
    else o["last_status"] = nullptr;
    return o;
}

std::string LocalAgent::warning() const {
    auto const& s = *impl_;
    bool const restricted = s.state == "hard-jailed" || (s.reason && s.reason->final);
    if (!restricted) return {};
    return "the server's local agent restricts this connection: " + s.message;
}

} // namespace pvpn::agent
