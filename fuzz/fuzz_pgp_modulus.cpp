// The SRP modulus of /auth/info: a cleartext-signed OpenPGP message
// (armor, packets, subpackets, Ed25519 signature) checked against Proton's
// pinned key. The seeds include a genuine one, so whole verifications run.
#include "daemon/proton/modulus.hpp"
#include "daemon/proton/pgp.hpp"
#include "fuzz/check.hpp"

using namespace pvpn;

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    static proton::PgpKey const key = proton::pinned_proton_modulus_key();
    if (auto modulus = proton::decode_signed_modulus(fuzz::as_text(data, size), key))
        PVPN_FUZZ_CHECK(modulus->size() == 256);
    return 0;
}
