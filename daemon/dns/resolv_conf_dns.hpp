// DNS by rewriting /etc/resolv.conf: the original is copied to a backup,
// pvpn's file is written over it (atomically, or in place where the file is a
// bind mount), and an inotify watch puts pvpn's file back whenever something
// (a DHCP client, NetworkManager) rewrites it while the tunnel is up.
// revert() writes the backup back byte for byte and removes it.
#pragma once

#include "daemon/dns/dns.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>

namespace pvpn::dns {

struct ResolvConfOptions {
    std::filesystem::path path = "/etc/resolv.conf";
    std::filesystem::path backup = "/etc/resolv.conf.pvpnbak";
    std::chrono::milliseconds settle{100};  ///< Quiet time after a change before looking at the file
};

class ResolvConfDns final : public Dns {
public:
    ResolvConfDns(boost::asio::any_io_executor executor, ResolvConfOptions options);
    /// Stops the watch; the file stays as it is (teardown is revert()'s job).
    ~ResolvConfDns() override;

    Result<void> apply(std::string const& ifname, std::vector<std::string> const& servers) override;
    /// Restores the backup if there is one. If the file no longer holds what
    /// pvpn wrote (someone replaced it after a crash or reboot), that newer
    /// file is kept and only the stale backup is removed.
    Result<void> revert() override;
    std::vector<std::string> current() const override { return servers_; }
    std::string_view backend() const override { return "resolv.conf"; }

    /// How many times the watch has put pvpn's file back.
    unsigned reapplied() const;

private:
    struct Watch;
    void stop_watch();

    boost::asio::any_io_executor executor_;
    ResolvConfOptions options_;
    std::vector<std::string> servers_;
    std::shared_ptr<Watch> watch_;
    unsigned reapplied_before_ = 0;  ///< From watches already stopped
};

} // namespace pvpn::dns
