// An in-memory qBittorrent: preferences, a "socket" that can go stale the way
// 4.5.2's does after the tunnel interface is recreated, torrents, and
// failures on demand.
#pragma once

#include "daemon/qbt/qbittorrent.hpp"

#include <set>

namespace pvpn::test {

class FakeQbittorrent final : public qbt::Qbittorrent {
public:
    struct State {
        qbt::Preferences prefs{41000, false, true, ""};
        std::string version = "v4.5.2";
        bool down = false;         ///< WebUI unreachable.
        bool socket_ok = true;     ///< Something listens on prefs.listen_port.
        bool stale_on_same = false;///< A write of the current port leaves a stale socket stale.
        std::vector<qbt::Torrent> torrents;
        std::vector<std::string> resumed;
        std::string resume_endpoint;
        std::vector<long> ports_written;
    };

    explicit FakeQbittorrent(std::shared_ptr<State> s) : s_(std::move(s)) {}

    boost::asio::awaitable<Result<std::string>> version() override {
        if (s_->down) co_return fail(Errc::network, "qBittorrent's WebUI is unreachable: connection refused");
        co_return s_->version;
    }
    boost::asio::awaitable<Result<qbt::Preferences>> preferences() override {
        if (s_->down) co_return fail(Errc::network, "unreachable");
        co_return s_->prefs;
    }
    boost::asio::awaitable<Result<void>> set_preferences(boost::json::object changes) override {
        if (s_->down) co_return fail(Errc::network, "unreachable");
        if (auto const* p = changes.if_contains("listen_port")) {
            long port = p->to_number<long>();
            s_->ports_written.push_back(port);
            if (port != s_->prefs.listen_port) s_->socket_ok = true;  // a new port re-listens
            s_->prefs.listen_port = port;
        }
        if (auto const* i = changes.if_contains("current_network_interface"))
            s_->prefs.network_interface = std::string(i->as_string());
        if (auto const* u = changes.if_contains("upnp")) s_->prefs.upnp = u->as_bool();
        co_return Result<void>{};
    }
    boost::asio::awaitable<Result<std::vector<qbt::Torrent>>> torrents(std::string filter) override {
        if (s_->down) co_return fail(Errc::network, "unreachable");
        std::vector<qbt::Torrent> out;
        for (auto const& t : s_->torrents) {
            bool paused = t.state.starts_with("paused") || t.state.starts_with("stopped");
            bool in = filter == "all" || (filter == "active" && t.dlspeed > 0) ||
                      (filter == "downloading" && (t.state == "downloading" || t.state.find("DL") != std::string::npos)) ||
                      ((filter == "paused" || filter == "stopped") && paused) ||
                      (filter == "stalled" && t.state.starts_with("stalled"));
            if (in) out.push_back(t);
        }
        co_return out;
    }
    boost::asio::awaitable<Result<void>> resume(std::vector<std::string> hashes, qbt::Version v) override {
        s_->resume_endpoint = v.major >= 5 ? "start" : "resume";
        s_->resumed.insert(s_->resumed.end(), hashes.begin(), hashes.end());
        co_return Result<void>{};
    }
    void cancel() override {}

private:
    std::shared_ptr<State> s_;
};

} // namespace pvpn::test
