#include "daemon/proton/certificates.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"

#include <boost/json.hpp>

namespace pvpn::proton {
namespace json = boost::json;

namespace {

/// Proton's Linux client asks for 7 days (proton-api.md §3.3).
constexpr int certificate_minutes = 10080;
/// Proton: the public key is already registered to another certificate.
constexpr int key_conflict_code = 2500;

} // namespace

std::string certificate_json(StoredCertificate const& c) {
    return json::serialize(json::object{{"certificate_pem", c.certificate_pem},
                                        {"fingerprint", c.fingerprint},
                                        {"expiration_time", c.expiration_time},
                                        {"refresh_time", c.refresh_time},
                                        {"port_forwarding", c.port_forwarding}});
}

Result<StoredCertificate> parse_certificate_json(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return fail(Errc::config_invalid, "certificate.json is not a JSON object");
    auto const& o = v.as_object();
    StoredCertificate c;
    auto const* pem = o.if_contains("certificate_pem");
    auto const* fp = o.if_contains("fingerprint");
    auto const* exp = o.if_contains("expiration_time");
    auto const* ref = o.if_contains("refresh_time");
    auto const* pf = o.if_contains("port_forwarding");
    if (!pem || !pem->is_string() || !fp || !fp->is_string() || !exp || !exp->is_int64() || !ref ||
        !ref->is_int64() || !pf || !pf->is_bool())
        return fail(Errc::config_invalid, "certificate.json lacks a field or has one of the wrong type");
    c.certificate_pem = std::string(pem->as_string());
    c.fingerprint = std::string(fp->as_string());
    c.expiration_time = exp->as_int64();
    c.refresh_time = ref->as_int64();
    c.port_forwarding = pf->as_bool();
    return c;
}

bool certificate_usable(StoredCertificate const& cert, std::string_view fingerprint, bool want_pf, std::int64_t now) {
    return !cert.certificate_pem.empty() && cert.fingerprint == fingerprint && now < cert.refresh_time &&
           now < cert.expiration_time && (!want_pf || cert.port_forwarding);
}

CertificateStore::CertificateStore(Session& session, std::filesystem::path dir, std::function<std::int64_t()> now)
    : session_(session), dir_(std::move(dir)), now_(std::move(now)) {}

Result<void> CertificateStore::load() {
    if (auto r = ensure_private_dir(dir_); !r) return r.error();
    auto key = DeviceKey::load_or_create(key_path());
    if (!key) return key.error();
    key_.emplace(std::move(*key));
    auto text = read_file_if_exists(cert_path(), 1024 * 1024);
    if (!text) return text.error();
    if (*text) {
        auto cert = parse_certificate_json(**text);
        if (cert)
            cert_ = std::move(*cert);
        else
            log::warn("cert", cert_path().string(), ": ", cert.error().message, " (a new one will be requested)");
    }
    return {};
}

boost::asio::awaitable<ApiResult<StoredCertificate>> CertificateStore::ensure(bool want_pf) {
    if (cert_ && certificate_usable(*cert_, key_->fingerprint(), want_pf, now_())) co_return *cert_;
    co_return co_await request(want_pf || (cert_ && cert_->port_forwarding));
}

boost::asio::awaitable<ApiResult<StoredCertificate>> CertificateStore::renew() {
    co_return co_await request(cert_ && cert_->port_forwarding);
}

boost::asio::awaitable<ApiResult<StoredCertificate>> CertificateStore::request(bool want_pf) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        CertificateRequest req;
        req.client_public_key_pem = key_->public_pem();
        req.duration_minutes = certificate_minutes;
        if (want_pf) req.port_forwarding = true;
        auto reply = co_await session_.certificate(req);
        if (!reply) {
            if (reply.error().api_code == key_conflict_code && attempt == 0) {
                log::warn("cert", "Proton says the device key is registered elsewhere (2500): making a new one");
                auto fresh = DeviceKey::generate();
                if (!fresh) co_return api_failure(fresh.error().code, fresh.error().message);
                if (auto saved = fresh->save(key_path()); !saved)
                    co_return api_failure(saved.error().code, saved.error().message);
                key_.emplace(std::move(*fresh));
                continue;
            }
            co_return reply.error();
        }
        StoredCertificate cert{reply->certificate_pem, key_->fingerprint(), reply->expiration_time,
                               reply->refresh_time, want_pf};
        if (auto saved = write_file_atomic(cert_path(), certificate_json(cert), 0600); !saved)
            log::warn("cert", "cannot save ", cert_path().string(), ": ", saved.error().message);
        cert_ = cert;
        log::info("cert", "new certificate, valid until ", cert.expiration_time, ", refresh at ", cert.refresh_time,
                  want_pf ? ", with port forwarding" : "");
        co_return cert;
    }
    co_return api_failure(Errc::api_error, "Proton refused the device key twice (code 2500)");
}

} // namespace pvpn::proton
