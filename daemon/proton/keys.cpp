#include "daemon/proton/keys.hpp"

#include "common/atomic_file.hpp"
#include "common/base64.hpp"
#include "common/log.hpp"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/pem.h>

#include <memory>

namespace pvpn::proton {
namespace {

using namespace ossl;

constexpr std::size_t key_bytes = 32;
constexpr std::size_t max_key_file = 64 * 1024;

struct BioFree {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

Error openssl_failure(OpensslError const& e) {
    return fail(Errc::internal, std::string("OpenSSL failed (") + e.what() + ") handling the device key");
}

/// Never ask for a passphrase: the daemon has no terminal, and its key is not encrypted.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

/// The contents of a memory BIO (OpenSSL wipes its buffer when freeing it).
std::string bio_text(BIO* bio) {
    BUF_MEM* mem = nullptr;
    check(BIO_get_mem_ptr(bio, &mem) == 1 && mem != nullptr, "BIO_get_mem_ptr");
    return std::string(mem->data, mem->length);
}

/// Keeps secrets derived from the key out of every log line.
void register_secrets(DeviceKey const& key) {
    std::string wg = key.wg_private_key();
    log::add_secret(wg);
    wipe(wg);
}

/// Passes `key` through, its secrets registered with the log.
Result<DeviceKey> registered(Result<DeviceKey> key) {
    if (key) register_secrets(*key);
    return key;
}

} // namespace

Result<DeviceKey> DeviceKey::generate() {
    try {
        std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                                         &EVP_PKEY_CTX_free);
        check(ctx != nullptr && EVP_PKEY_keygen_init(ctx.get()) == 1, "EVP_PKEY_keygen_init");
        EVP_PKEY* raw = nullptr;
        check(EVP_PKEY_keygen(ctx.get(), &raw) == 1, "EVP_PKEY_keygen");
        return registered(DeviceKey(Pkey(raw)));
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

Result<DeviceKey> DeviceKey::from_seed(ByteView seed) {
    if (seed.size() != key_bytes) return fail(Errc::invalid_params, "an Ed25519 seed is 32 bytes");
    try {
        Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
        check(key != nullptr, "EVP_PKEY_new_raw_private_key");
        return registered(DeviceKey(std::move(key)));
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

Result<DeviceKey> DeviceKey::from_private_pem(std::string_view pem) {
    try {
        Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        check(bio != nullptr, "BIO_new_mem_buf");
        Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
        if (!key) return fail(Errc::config_invalid, "the device key is not an unencrypted PKCS#8 PEM private key");
        if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519)
            return fail(Errc::config_invalid, "the device key is not an Ed25519 key");
        return registered(DeviceKey(std::move(key)));
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

Result<DeviceKey> DeviceKey::load(std::filesystem::path const& path) {
    auto pem = read_file(path, max_key_file);
    if (!pem) return pem.error();
    auto key = from_private_pem(*pem);
    wipe(*pem);
    if (!key) return fail(key.error().code, path.string() + ": " + key.error().message);
    return key;
}

Result<DeviceKey> DeviceKey::load_or_create(std::filesystem::path const& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return load(path);
    if (ec) return fail(Errc::internal, path.string() + ": " + ec.message());
    auto key = generate();
    if (!key) return key.error();
    if (auto saved = key->save(path); !saved) return saved.error();
    log::info("proton", "created a new device key in ", path.string());
    return key;
}

Result<void> DeviceKey::save(std::filesystem::path const& path) const {
    try {
        std::string pem = private_pem();
        auto written = write_file_atomic(path, pem, 0600);
        wipe(pem);
        return written;
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

std::string DeviceKey::private_pem() const {
    Bio bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    return bio_text(bio.get());
}

std::string DeviceKey::public_pem() const {
    Bio bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(PEM_write_bio_PUBKEY(bio.get(), key_.get()) == 1, "PEM_write_bio_PUBKEY");
    return bio_text(bio.get());
}

std::array<std::uint8_t, 32> DeviceKey::public_raw() const {
    std::array<std::uint8_t, 32> out{};
    std::size_t len = out.size();
    check(EVP_PKEY_get_raw_public_key(key_.get(), out.data(), &len) == 1 && len == out.size(),
          "EVP_PKEY_get_raw_public_key");
    return out;
}

SecretBytes DeviceKey::seed() const {
    Bytes raw(key_bytes);
    std::size_t len = raw.size();
    bool const ok = EVP_PKEY_get_raw_private_key(key_.get(), raw.data(), &len) == 1 && len == key_bytes;
    SecretBytes seed(std::move(raw));
    check(ok, "EVP_PKEY_get_raw_private_key");
    return seed;
}

SecretBytes DeviceKey::wg_private_raw() const {
    Bytes hash = digest(EVP_sha512(), {seed().view()});
    Bytes scalar(hash.begin(), hash.begin() + key_bytes);
    wipe(hash);
    scalar[0] &= 0xF8;
    scalar[31] &= 0x7F;
    scalar[31] |= 0x40;
    return SecretBytes(std::move(scalar));
}

std::array<std::uint8_t, 32> DeviceKey::wg_public_raw() const {
    SecretBytes priv = wg_private_raw();
    Pkey x25519(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
    check(x25519 != nullptr, "EVP_PKEY_new_raw_private_key");
    std::array<std::uint8_t, 32> out{};
    std::size_t len = out.size();
    check(EVP_PKEY_get_raw_public_key(x25519.get(), out.data(), &len) == 1 && len == out.size(),
          "EVP_PKEY_get_raw_public_key");
    return out;
}

std::string DeviceKey::wg_private_key() const {
    return base64_encode(wg_private_raw().view());
}

std::string DeviceKey::wg_public_key() const {
    return base64_encode(wg_public_raw());
}

std::string DeviceKey::fingerprint() const {
    return x25519_fingerprint(wg_public_raw());
}

Result<std::array<std::uint8_t, 32>> ed25519_public_to_x25519(ByteView ed25519_public) {
    if (ed25519_public.size() != key_bytes) return fail(Errc::invalid_params, "an Ed25519 public key is 32 bytes");
    try {
        auto ctx = bn_ctx();
        // p = 2^255 − 19
        Bn p = bn();
        check(BN_set_bit(p.get(), 255) == 1 && BN_sub_word(p.get(), 19) == 1, "BN_set_bit");
        // y is the encoding with the top bit (the sign of x) cleared.
        Bytes y_bytes(ed25519_public.begin(), ed25519_public.end());
        y_bytes[31] &= 0x7F;
        Bn y = bn_from_le(y_bytes);
        if (BN_cmp(y.get(), p.get()) >= 0) return fail(Errc::invalid_params, "not a canonical Ed25519 public key");
        Bn numerator = bn(), denominator = bn(), u = bn();
        check(BN_mod_add(numerator.get(), BN_value_one(), y.get(), p.get(), ctx.get()) == 1, "BN_mod_add");
        check(BN_mod_sub(denominator.get(), BN_value_one(), y.get(), p.get(), ctx.get()) == 1, "BN_mod_sub");
        if (BN_is_zero(denominator.get()))
            return fail(Errc::invalid_params, "the Ed25519 identity point has no X25519 form");
        check(BN_mod_inverse(denominator.get(), denominator.get(), p.get(), ctx.get()) != nullptr, "BN_mod_inverse");
        check(BN_mod_mul(u.get(), numerator.get(), denominator.get(), p.get(), ctx.get()) == 1, "BN_mod_mul");
        Bytes u_bytes = bn_to_le(u.get(), key_bytes);
        std::array<std::uint8_t, 32> out{};
        std::copy(u_bytes.begin(), u_bytes.end(), out.begin());
        return out;
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

std::string x25519_fingerprint(ByteView x25519_public) {
    return base64_encode(digest(EVP_sha512(), {x25519_public}));
}

} // namespace pvpn::proton
