// Thin RAII and conversion helpers over OpenSSL for the Proton crypto code.
//
// OpenSSL only fails here when memory runs out or a build lacks an
// algorithm; these helpers turn such a failure into OpensslError, which each
// public function of this module catches and returns as Errc::internal.
#pragma once

#include "common/bytes.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>

namespace pvpn::proton::ossl {

/// An OpenSSL call failed for a reason no input can cause (see file comment).
class OpensslError : public std::runtime_error {
public:
    explicit OpensslError(char const* what) : std::runtime_error(what) {}
};

/// Throws OpensslError naming `what` when `ok` is false.
inline void check(bool ok, char const* what) {
    if (!ok) throw OpensslError(what);
}

/// Deleters for the owning pointers below.
struct BnFree {
    void operator()(BIGNUM* p) const noexcept { BN_clear_free(p); }
};
struct BnCtxFree {
    void operator()(BN_CTX* p) const noexcept { BN_CTX_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};

/// Big numbers are wiped when freed: several of them are secrets.
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

/// A new big number, zero.
Bn bn();
/// A new big number holding `value`.
Bn bn(unsigned long value);
/// Parses little-endian bytes.
Bn bn_from_le(ByteView bytes);
/// A new context for big-number arithmetic.
BnCtx bn_ctx();
/// Writes `n` as exactly `width` little-endian bytes; throws if it does not fit.
Bytes bn_to_le(BIGNUM const* n, std::size_t width);

/// Hash of the concatenation of `parts` with `md` (e.g. EVP_sha512()), without
/// copying them together (some parts are secrets).
Bytes digest(EVP_MD const* md, std::span<ByteView const> parts);

inline Bytes digest(EVP_MD const* md, std::initializer_list<ByteView> parts) {
    return digest(md, std::span<ByteView const>(parts.begin(), parts.size()));
}

} // namespace pvpn::proton::ossl
