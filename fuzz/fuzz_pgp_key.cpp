// An OpenPGP public key block (daemon/proton/pgp): the file named by
// [protonvpn] srp_modulus_key, read through the armor parser.
#include "daemon/proton/pgp.hpp"
#include "fuzz/check.hpp"

using namespace pvpn;

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    (void)proton::parse_pgp_public_key(fuzz::as_text(data, size));
    return 0;
}
