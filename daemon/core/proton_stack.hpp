// The Proton side of the daemon, built from [protonvpn] in config.ini: the
// HTTPS client, the API, the session, the server directory and the
// certificate store. Rebuilt when the settings it depends on change, so
// `pvpn init --proton` takes effect without restarting pvpnd.
#pragma once

#include "common/error.hpp"
#include "daemon/core/config.hpp"
#include "daemon/net/host_resolver.hpp"
#include "daemon/net/https_client.hpp"
#include "daemon/net/remembering_resolver.hpp"
#include "daemon/proton/certificates.hpp"
#include "daemon/proton/proton_http_api.hpp"
#include "daemon/proton/server_directory.hpp"
#include "daemon/proton/session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace pvpn::core {

/// The settings a stack is built from; a change means a new stack.
struct ProtonStackKey {
    std::string api_url;
    std::filesystem::path api_ca_file;
    std::filesystem::path srp_modulus_key;
    std::filesystem::path session_dir;
    friend bool operator==(ProtonStackKey const&, ProtonStackKey const&) = default;
};

ProtonStackKey stack_key(Config const& config);

class ProtonStack {
public:
    /// `config` is read again at every login (user, password). `mark` is put
    /// on every API socket so the kill-switch lets pvpnd's own traffic out.
    static Result<std::unique_ptr<ProtonStack>> create(boost::asio::io_context& io, ConfigStore& config,
                                                       std::uint32_t mark);

    ProtonStackKey const& key() const { return key_; }
    proton::Session& session() { return *session_; }
    proton::ServerDirectory& servers() { return *servers_; }
    proton::CertificateStore& certificates() { return *certs_; }

    /// Unless the API host's addresses are remembered already (config dir,
    /// api-hosts.json), looks it up now and remembers them: called while DNS
    /// still works, before the kill-switch is armed, because once it blocks no
    /// DNS query leaves outside the tunnel and API requests go to the
    /// remembered addresses. So pvpnd sends this one query outside the tunnel
    /// only the first time. A failure is only logged: the request that needs
    /// the API reports it.
    boost::asio::awaitable<void> learn_api_address();

private:
    ProtonStack() = default;
    ProtonStackKey key_;
    std::unique_ptr<net::SystemResolver> system_resolver_;
    std::unique_ptr<net::RememberingResolver> resolver_;
    std::unique_ptr<net::HttpsClient> http_;
    std::unique_ptr<proton::ProtonHttpApi> api_;
    std::unique_ptr<proton::Session> session_;
    std::unique_ptr<proton::ServerDirectory> servers_;
    std::unique_ptr<proton::CertificateStore> certs_;
};

} // namespace pvpn::core
