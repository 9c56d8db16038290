// The addresses of the Proton API, remembered across restarts and reboots, so
// that pvpnd can reach the API while the kill-switch blocks DNS. With the
// kill-switch on, no DNS query leaves the machine outside the tunnel, pvpnd's
// own included; pvpnd's HTTPS to the API may (its sockets are marked). So a
// name learnt while DNS worked is what lets `connect` log in, fetch servers and
// certificates when it starts from a blocked state (`disconnect --ks true`, a
// restarted pvpnd). The addresses are only hints: TLS still checks the host
// name, so a stale or forged address fails the handshake and reaches nothing.
// docs/killswitch.md, "Reaching the API while blocked".
#pragma once

#include "daemon/net/host_resolver.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>

namespace pvpn::net {

class RememberingResolver final : public HostResolver {
public:
    /// Asks `system` first and keeps its answers in `file` (JSON, 0600, written
    /// atomically, only when they changed). `now` gives Unix time.
    RememberingResolver(HostResolver& system, std::filesystem::path file, std::function<std::int64_t()> now);

    /// The system's answer when there is one (remembered for next time); else
    /// the addresses remembered for `host`, if any; else the system's error,
    /// which then says that nothing is remembered. When something is
    /// remembered the system gets at most `quick_deadline`, so a resolver that
    /// times out rather than fails (a local cache whose upstream queries the
    /// kill-switch drops) costs little. IP literals are passed through.
    boost::asio::awaitable<Result<TcpEndpoints>> resolve(std::string host, std::string port,
                                                         std::chrono::milliseconds deadline) override;

    /// True when addresses of `host` are remembered (the file is read again).
    bool remembers(std::string const& host) const;

    /// How long the system resolver may take when an answer is remembered.
    static constexpr std::chrono::milliseconds quick_deadline{3000};

private:
    HostResolver& system_;
    std::filesystem::path file_;
    std::function<std::int64_t()> now_;
};

} // namespace pvpn::net
