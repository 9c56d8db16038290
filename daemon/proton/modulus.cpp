#include "daemon/proton/modulus.hpp"

#include "common/base64.hpp"
#include "daemon/proton/srp.hpp"

namespace pvpn::proton {

Result<Bytes> decode_signed_modulus(std::string_view clearsigned, PgpKey const& key) {
    auto text = verify_cleartext_signature(clearsigned, key);
    if (!text) {
        Error e = text.error();
        e.message = "Proton's SRP modulus failed verification: " + e.message;
        return e;
    }
    auto modulus = base64_decode(*text);
    if (!modulus) return fail(Errc::api_error, "Proton's SRP modulus is not one base64 line (" + modulus.error().message + ")");
    if (modulus->size() != srp_bytes)
        return fail(Errc::api_error, "Proton's SRP modulus is " + std::to_string(modulus->size()) + " bytes, expected 256");
    return modulus;
}

} // namespace pvpn::proton
