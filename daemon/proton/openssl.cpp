#include "daemon/proton/openssl.hpp"

namespace pvpn::proton::ossl {

Bn bn() {
    Bn n(BN_new());
    check(n != nullptr, "BN_new");
    return n;
}

Bn bn(unsigned long value) {
    Bn n = bn();
    check(BN_set_word(n.get(), value) == 1, "BN_set_word");
    return n;
}

Bn bn_from_le(ByteView bytes) {
    Bn n(BN_lebin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    check(n != nullptr, "BN_lebin2bn");
    return n;
}

BnCtx bn_ctx() {
    BnCtx ctx(BN_CTX_secure_new());
    check(ctx != nullptr, "BN_CTX_new");
    return ctx;
}

Bytes bn_to_le(BIGNUM const* n, std::size_t width) {
    Bytes out(width);
    check(BN_bn2lebinpad(n, out.data(), static_cast<int>(width)) == static_cast<int>(width), "BN_bn2lebinpad");
    return out;
}

Bytes digest(EVP_MD const* md, std::span<ByteView const> parts) {
    MdCtx ctx(EVP_MD_CTX_new());
    check(ctx != nullptr, "EVP_MD_CTX_new");
    check(EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1, "EVP_DigestInit_ex");
    for (auto part : parts) check(EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1, "EVP_DigestUpdate");
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    check(EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == out.size(), "EVP_DigestFinal_ex");
    return out;
}

} // namespace pvpn::proton::ossl
