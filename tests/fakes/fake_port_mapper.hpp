// A scripted PortMapper: answers each request with the next scripted result
// for its protocol (the last one repeats), and counts requests.
#pragma once

#include "daemon/portfwd/port_mapper.hpp"

#include <deque>
#include <map>

namespace pvpn::test {

class FakePortMapper final : public portfwd::PortMapper {
public:
    using Answer = portfwd::MapResult<portfwd::Mapping>;

    std::map<portfwd::Protocol, std::deque<Answer>> script;
    std::map<portfwd::Protocol, int> requests;
    bool cancelled = false;

    static Answer port(std::uint16_t p, std::chrono::seconds lifetime = std::chrono::seconds(60)) {
        return portfwd::Mapping{p, p, lifetime, 1};
    }
    static Answer failure(portfwd::MapFailure kind, std::string message) {
        return portfwd::MapError{kind, std::move(message)};
    }
    /// Both protocols answer `a` from now on (after what is already scripted).
    void both(Answer const& a) {
        script[portfwd::Protocol::tcp].push_back(a);
        script[portfwd::Protocol::udp].push_back(a);
    }

    boost::asio::awaitable<Answer> map(portfwd::Protocol protocol, std::chrono::seconds) override {
        ++requests[protocol];
        if (cancelled) co_return portfwd::MapError{portfwd::MapFailure::cancelled, "cancelled"};
        auto& q = script[protocol];
        if (q.empty()) co_return portfwd::MapError{portfwd::MapFailure::no_answer, "nothing scripted"};
        Answer a = q.front();
        if (q.size() > 1) q.pop_front();
        co_return a;
    }
    boost::asio::awaitable<portfwd::MapResult<portfwd::PublicAddress>> public_address() override {
        co_return portfwd::PublicAddress{"203.0.113.61", 1};
    }
    void cancel() override { cancelled = true; }
};

} // namespace pvpn::test
