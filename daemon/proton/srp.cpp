#include "daemon/proton/srp.hpp"

#include "common/base64.hpp"
#include "daemon/proton/openssl.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

namespace pvpn::proton {
namespace {

using namespace ossl;

constexpr int group_bits = 2048;
constexpr std::size_t salt_bytes = 10;
constexpr std::string_view bcrypt_prefix = "$2y$10$";
constexpr std::size_t bcrypt_length = 60;
constexpr unsigned long min_secret = 4096;  // go-srp's lower bound for a (2 × bit length)
constexpr int max_attempts = 8;            // fresh a after u == 0, which never happens in practice

Error api(std::string message) {
    return fail(Errc::api_error, std::move(message));
}

Error openssl_failure(OpensslError const& e) {
    return fail(Errc::internal, std::string("OpenSSL failed (") + e.what() + ") during the Proton login");
}

/// H over the concatenation of `parts`, hashed in place (parts may be secrets).
Bytes expand(std::initializer_list<ByteView> parts) {
    std::vector<ByteView> input(parts);
    std::uint8_t suffix = 0;
    input.push_back(ByteView(&suffix, 1));
    Bytes out;
    out.reserve(srp_bytes);
    for (; suffix < 4; ++suffix) {
        Bytes d = digest(EVP_sha512(), input);
        out.insert(out.end(), d.begin(), d.end());
    }
    return out;
}

/// bcrypt's salt text: standard base64 with bcrypt's alphabet, unpadded, 22 characters.
std::string bcrypt_salt(ByteView salt16) {
    static constexpr std::string_view standard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static constexpr std::string_view bcrypt = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string text = base64_encode(salt16);
    text.resize(22);
    for (char& c : text) c = bcrypt[standard.find(c)];
    return text;
}

/// The group (N, g = 2) and the multiplier k, after every check go-srp makes.
struct Group {
    Bn n;
    Bn n_minus_1;
    Bn g;
    Bn k;
};

Result<Group> load_group(ByteView modulus, BN_CTX* ctx) {
    if (modulus.size() != srp_bytes)
        return api("Proton's SRP modulus is " + std::to_string(modulus.size()) + " bytes, expected 256");
    Group group{bn_from_le(modulus), bn(), bn(2), bn()};
    BIGNUM* n = group.n.get();
    if (BN_num_bits(n) != group_bits) return api("Proton's SRP modulus is not a 2048-bit number");
    if (BN_mod_word(n, 8) != 3) return api("Proton's SRP modulus has the wrong form (not 3 mod 8)");

    check(BN_copy(group.n_minus_1.get(), n) != nullptr && BN_sub_word(group.n_minus_1.get(), 1) == 1, "BN_sub_word");
    Bn q = bn();
    check(BN_rshift1(q.get(), n) == 1, "BN_rshift1");
    int prime = BN_check_prime(q.get(), ctx, nullptr);
    check(prime >= 0, "BN_check_prime");
    if (prime == 0) return api("Proton's SRP modulus is not a safe prime");
    Bn power = bn();
    check(BN_mod_exp(power.get(), group.g.get(), q.get(), n, ctx) == 1, "BN_mod_exp");
    if (BN_cmp(power.get(), group.n_minus_1.get()) != 0)
        return api("Proton's SRP modulus does not make 2 a generator of the prime-order subgroup");

    Bytes k = expand({bn_to_le(group.g.get(), srp_bytes), modulus});
    Bn k_raw = bn_from_le(k);
    check(BN_nnmod(group.k.get(), k_raw.get(), n, ctx) == 1, "BN_nnmod");
    if (BN_is_zero(group.k.get()) || BN_is_one(group.k.get()) || BN_cmp(group.k.get(), group.n_minus_1.get()) >= 0)
        return api("Proton's SRP modulus gives a degenerate multiplier k");
    return group;
}

/// Draws a like go-srp: uniform in (4096, N−1).
Bn random_secret(Group const& group) {
    Bn a = bn();
    do {
        check(BN_priv_rand_range(a.get(), group.n_minus_1.get()) == 1, "BN_priv_rand_range");
    } while (BN_cmp(a.get(), bn(min_secret).get()) <= 0);
    return a;
}

/// v = g^x mod N.
Bn verifier(Group const& group, BIGNUM const* x, BN_CTX* ctx) {
    Bn v = bn();
    check(BN_mod_exp(v.get(), group.g.get(), x, group.n.get(), ctx) == 1, "BN_mod_exp");
    return v;
}

} // namespace

Bytes expand_hash(ByteView data) {
    return expand({data});
}

Result<SecretBytes> hash_password(std::string_view password, std::string_view salt_b64, ByteView modulus) {
    if (password.empty()) return fail(Errc::invalid_params, "the Proton password is empty");
    if (password.find('\0') != std::string_view::npos)
        return fail(Errc::invalid_params, "the Proton password contains a NUL character");
    auto salt = base64_decode(salt_b64);
    if (!salt) return api("Proton sent an unreadable SRP salt (" + salt.error().message + ")");
    if (salt->size() != salt_bytes)
        return api("Proton's SRP salt is " + std::to_string(salt->size()) + " bytes, expected 10");
    if (modulus.size() != srp_bytes)
        return api("Proton's SRP modulus is " + std::to_string(modulus.size()) + " bytes, expected 256");

    try {
        Bytes salt16 = *salt;
        for (char c : std::string_view("proton")) salt16.push_back(static_cast<std::uint8_t>(c));
        std::string const setting = std::string(bcrypt_prefix) + bcrypt_salt(salt16);

        std::string phrase(password);  // crypt_r wants a NUL-terminated string
        auto state = std::make_unique<crypt_data>();
        char const* out = crypt_r(phrase.c_str(), setting.c_str(), state.get());
        std::string hashed = out != nullptr ? out : "";
        OPENSSL_cleanse(state.get(), sizeof(crypt_data));
        wipe(phrase);
        if (hashed.size() != bcrypt_length || !hashed.starts_with(bcrypt_prefix)) {
            wipe(hashed);
            return fail(Errc::internal, "bcrypt ($2y$) through libcrypt failed; is libxcrypt too old?");
        }
        SecretBytes x(expand({as_bytes(hashed), modulus}));
        wipe(hashed);
        return x;
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

Result<Bytes> compute_verifier(std::string_view password, std::string_view salt_b64, ByteView modulus) {
    auto x = hash_password(password, salt_b64, modulus);
    if (!x) return x.error();
    try {
        auto ctx = bn_ctx();
        auto group = load_group(modulus, ctx.get());
        if (!group) return group.error();
        Bn x_num = bn_from_le(x->view());
        BN_set_flags(x_num.get(), BN_FLG_CONSTTIME);
        return bn_to_le(verifier(*group, x_num.get(), ctx.get()).get(), srp_bytes);
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

Result<Exchange> compute_exchange(ByteView password_hash_x, ByteView modulus, ByteView server_ephemeral,
                                  std::optional<ByteView> fixed_secret_a) {
    if (password_hash_x.size() != srp_bytes)
        return fail(Errc::internal, "SRP password hash has the wrong size");
    if (server_ephemeral.size() != srp_bytes)
        return api("Proton's SRP server ephemeral is " + std::to_string(server_ephemeral.size()) +
                   " bytes, expected 256");
    if (fixed_secret_a && (fixed_secret_a->empty() || fixed_secret_a->size() > srp_bytes))
        return fail(Errc::invalid_params, "the fixed SRP secret must be 1 to 256 bytes");
    try {
        auto ctx = bn_ctx();
        auto group = load_group(modulus, ctx.get());
        if (!group) return group.error();
        BIGNUM const* n = group->n.get();

        Bn b = bn_from_le(server_ephemeral);
        if (BN_cmp(b.get(), BN_value_one()) <= 0 || BN_cmp(b.get(), group->n_minus_1.get()) >= 0)
            return api("Proton sent an invalid SRP server ephemeral (outside 1 < B < N-1)");

        Bn x = bn_from_le(password_hash_x);
        BN_set_flags(x.get(), BN_FLG_CONSTTIME);
        // base = B − k·v mod N; zero would make S = 0 whatever the password.
        Bn base = bn();
        {
            Bn v = verifier(*group, x.get(), ctx.get());
            Bn kv = bn();
            check(BN_mod_mul(kv.get(), group->k.get(), v.get(), n, ctx.get()) == 1, "BN_mod_mul");
            check(BN_mod_sub(base.get(), b.get(), kv.get(), n, ctx.get()) == 1, "BN_mod_sub");
        }
        if (BN_is_zero(base.get())) return api("Proton sent an invalid SRP server ephemeral (B = k·v)");
        BN_set_flags(base.get(), BN_FLG_CONSTTIME);

        Bytes const b_bytes(server_ephemeral.begin(), server_ephemeral.end());
        for (int attempt = 0; attempt < max_attempts; ++attempt) {
            Bn a = fixed_secret_a ? bn_from_le(*fixed_secret_a) : random_secret(*group);
            BN_set_flags(a.get(), BN_FLG_CONSTTIME);
            Bn a_pub = bn();
            check(BN_mod_exp(a_pub.get(), group->g.get(), a.get(), n, ctx.get()) == 1, "BN_mod_exp");
            Bytes a_bytes = bn_to_le(a_pub.get(), srp_bytes);

            Bytes u_bytes = expand({a_bytes, b_bytes});
            Bn u = bn_from_le(u_bytes);
            if (BN_is_zero(u.get())) {
                if (fixed_secret_a) return api("the SRP scrambler u is zero for this fixed secret");
                continue;
            }
            // S = base^(a + u·x); the exponent is reduced mod N−1 as go-srp does (N is prime).
            Bn exponent = bn();
            BN_set_flags(exponent.get(), BN_FLG_CONSTTIME);
            check(BN_mod_mul(exponent.get(), u.get(), x.get(), group->n_minus_1.get(), ctx.get()) == 1, "BN_mod_mul");
            check(BN_mod_add(exponent.get(), exponent.get(), a.get(), group->n_minus_1.get(), ctx.get()) == 1,
                  "BN_mod_add");
            Bn s = bn();
            check(BN_mod_exp(s.get(), base.get(), exponent.get(), n, ctx.get()) == 1, "BN_mod_exp");

            Exchange exchange;
            exchange.shared_key = SecretBytes(bn_to_le(s.get(), srp_bytes));
            exchange.client_proof = expand({a_bytes, b_bytes, exchange.shared_key.view()});
            exchange.expected_server_proof = expand({a_bytes, exchange.client_proof, exchange.shared_key.view()});
            exchange.multiplier = bn_to_le(group->k.get(), srp_bytes);
            exchange.scrambler = std::move(u_bytes);
            exchange.client_ephemeral = std::move(a_bytes);
            return exchange;
        }
        return fail(Errc::internal, "could not draw a usable SRP secret");
    } catch (OpensslError const& e) {
        return openssl_failure(e);
    }
}

Result<Proofs> make_proofs(std::string_view username, std::string_view password, int version,
                           std::string_view salt_b64, ByteView modulus, std::string_view server_ephemeral_b64,
                           std::optional<ByteView> fixed_secret_a) {
    if (version < 3)
        return fail(Errc::auth_failed, "this Proton account still uses a legacy password scheme (auth version " +
                                           std::to_string(version) +
                                           "); log in once at https://account.proton.me to upgrade it, then try again");
    if (version > 4)
        return fail(Errc::app_outdated, "Proton asks for SRP auth version " + std::to_string(version) +
                                            ", which this pvpn does not know; update pvpn");
    if (username.empty()) return fail(Errc::invalid_params, "the Proton user name is empty");
    auto server_ephemeral = base64_decode(server_ephemeral_b64);
    if (!server_ephemeral)
        return api("Proton sent an unreadable SRP server ephemeral (" + server_ephemeral.error().message + ")");

    auto x = hash_password(password, salt_b64, modulus);
    if (!x) return x.error();
    auto exchange = compute_exchange(x->view(), modulus, *server_ephemeral, fixed_secret_a);
    if (!exchange) return exchange.error();
    return Proofs{base64_encode(exchange->client_ephemeral), base64_encode(exchange->client_proof),
                  base64_encode(exchange->expected_server_proof)};
}

bool verify_server_proof(Proofs const& proofs, std::string_view server_proof_b64) {
    auto expected = base64_decode(proofs.expected_server_proof_b64);
    auto received = base64_decode(server_proof_b64);
    if (!expected || !received || expected->empty() || expected->size() != received->size()) return false;
    return CRYPTO_memcmp(expected->data(), received->data(), expected->size()) == 0;
}

} // namespace pvpn::proton
