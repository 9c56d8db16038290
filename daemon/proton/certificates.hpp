// The device key and its Proton certificate, kept in session_dir:
// device.key (Ed25519, PKCS#8, 0600) and certificate.json (0600).
//
// One key per device, reused across certificate renewals so the WireGuard
// identity (derived from it) never changes under a running tunnel. A key that
// Proton says is registered elsewhere (code 2500) is replaced once.
#pragma once

#include "daemon/proton/api.hpp"
#include "daemon/proton/keys.hpp"
#include "daemon/proton/session.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace pvpn::proton {

/// What certificate.json holds (no secret: the certificate is public data).
struct StoredCertificate {
    std::string certificate_pem;
    std::string fingerprint;            ///< Of the device key it certifies.
    std::int64_t expiration_time = 0;   ///< Unix seconds.
    std::int64_t refresh_time = 0;      ///< Unix seconds: renew from here on.
    bool port_forwarding = false;       ///< Requested with Features.PortForwarding.
};

std::string certificate_json(StoredCertificate const& cert);
Result<StoredCertificate> parse_certificate_json(std::string_view text);

/// True when `cert` can be used now for a connection that does (or does not)
/// need port forwarding, for the key with `fingerprint`.
bool certificate_usable(StoredCertificate const& cert, std::string_view fingerprint, bool want_pf, std::int64_t now);

class CertificateStore {
public:
    CertificateStore(Session& session, std::filesystem::path dir, std::function<std::int64_t()> now);

    /// Loads (or creates) the device key and any stored certificate.
    Result<void> load();

    /// A certificate valid now for a connection wanting port forwarding or
    /// not; asks Proton for a new one when missing, due for refresh, or when
    /// port forwarding is wanted but the stored one lacks it.
    boost::asio::awaitable<ApiResult<StoredCertificate>> ensure(bool want_pf);

    /// Asks for a new certificate now (at RefreshTime), keeping the key.
    boost::asio::awaitable<ApiResult<StoredCertificate>> renew();

    DeviceKey const& key() const { return *key_; }
    std::optional<StoredCertificate> const& current() const { return cert_; }
    std::filesystem::path key_path() const { return dir_ / "device.key"; }
    std::filesystem::path cert_path() const { return dir_ / "certificate.json"; }

private:
    boost::asio::awaitable<ApiResult<StoredCertificate>> request(bool want_pf);

    Session& session_;
    std::filesystem::path dir_;
    std::function<std::int64_t()> now_;
    std::optional<DeviceKey> key_;
    std::optional<StoredCertificate> cert_;
};

} // namespace pvpn::proton
