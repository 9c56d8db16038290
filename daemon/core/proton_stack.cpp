#include "daemon/core/proton_stack.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"

#include <chrono>

namespace pvpn::core {

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

ProtonStackKey stack_key(Config const& config) {
    auto const& p = config.protonvpn;
    return ProtonStackKey{p.api_url, p.api_ca_file, p.srp_modulus_key, p.session_dir};
}

Result<std::unique_ptr<ProtonStack>> ProtonStack::create(boost::asio::io_context& io, ConfigStore& config,
                                                         std::uint32_t mark) {
    std::unique_ptr<ProtonStack> s(new ProtonStack());
    s->key_ = stack_key(config.typed());
    s->system_resolver_ = std::make_unique<net::SystemResolver>(io.get_executor());
    s->resolver_ = std::make_unique<net::RememberingResolver>(*s->system_resolver_, config.dir() / "api-hosts.json",
                                                              now_unix);
    net::HttpsOptions http;
    http.ca_file = s->key_.api_ca_file;
    http.socket_mark = mark;
    http.resolver = s->resolver_.get();
    auto client = net::HttpsClient::create(io, s->key_.api_url, http);
    if (!client) return client.error();
    s->http_ = std::move(*client);
    s->api_ = std::make_unique<proton::ProtonHttpApi>(*s->http_, s->key_.api_url, proton::linux_client_identity());

    proton::SessionOptions opts;
    opts.file = s->key_.session_dir / "session.json";
    if (!s->key_.srp_modulus_key.empty()) {
        auto key = read_file(s->key_.srp_modulus_key, 64 * 1024);
        if (!key)
            return fail(Errc::config_invalid, "[protonvpn] srp_modulus_key: cannot read " +
                                                  s->key_.srp_modulus_key.string() + ": " + key.error().message);
        opts.modulus_key = std::move(*key);
    }
    opts.secrets = [&config] {
        auto const& p = config.typed().protonvpn;
        return proton::LoginSecrets{p.user, p.pass, {}, std::nullopt};
    };
    opts.now = now_unix;
    if (auto r = ensure_private_dir(s->key_.session_dir); !r) return r.error();
    s->session_ = std::make_unique<proton::Session>(io.get_executor(), *s->api_, std::move(opts));
    s->session_->load();
    s->servers_ = std::make_unique<proton::ServerDirectory>(io.get_executor(), *s->session_,
                                                            config.dir() / "servers.json", now_unix);
    s->servers_->load();
    s->certs_ = std::make_unique<proton::CertificateStore>(*s->session_, s->key_.session_dir, now_unix);
    if (auto r = s->certs_->load(); !r) return r.error();
    return s;
}

boost::asio::awaitable<void> ProtonStack::learn_api_address() {
    auto const& url = http_->url();
    if (resolver_->remembers(url.host)) co_return;
    std::chrono::milliseconds const deadline{10'000};
    auto found = co_await resolver_->resolve(url.host, url.port, deadline);
    if (!found) log::warn("dns", "looking up the Proton API before arming the kill-switch: ", found.error().message);
}

} // namespace pvpn::core
