// Proton's "ProtonVPN Root CA": the trust anchor of every server's local
// agent certificate, as Proton's own clients embed it.
#pragma once

#include <string_view>

namespace pvpn::agent {

/// The certificate as PEM (RSA-4096, C=CH, O=ProtonVPN AG, valid 2017-02-15
/// to 2027-02-15, SHA-256 fingerprint D7:5C:87:A2:...:55:E9:B9). It is public
/// data: Proton publishes it in its open-source clients (the Linux local
/// agent's agent_connector.rs, win-app's VpnCertConfig.cs). After it expires,
/// `[protonvpn] agent_ca_file` names Proton's next one.
std::string_view proton_root_ca_pem();

} // namespace pvpn::agent
