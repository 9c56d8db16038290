#include "daemon/proton/pgp.hpp"

#include "daemon/proton/armor.hpp"
#include "daemon/proton/openssl.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace pvpn::proton {
namespace {

using namespace ossl;

constexpr unsigned tag_signature = 2;
constexpr unsigned tag_public_key = 6;
constexpr std::uint8_t algo_eddsa = 22;
constexpr std::uint8_t hash_sha256 = 8;
constexpr std::uint8_t type_canonical_text = 0x01;
constexpr std::uint8_t subpacket_creation_time = 2;
constexpr std::uint8_t subpacket_issuer = 16;
constexpr std::uint8_t subpacket_issuer_fingerprint = 33;
constexpr std::array<std::uint8_t, 9> oid_ed25519 = {0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01};
constexpr std::uint8_t native_point_prefix = 0x40;  // EdDSA points: 0x40 ‖ 32-byte key

constexpr std::string_view pinned_key_hex = "16ead65d7c234de9aa8c3ec25e35d5c8a7f4a1fee7f42b662fcbfd7a79338201";
constexpr std::string_view pinned_fingerprint_hex = "248097092b458509c508dac0350585c4e9518f26";

Error bad(std::string message) {
    return fail(Errc::invalid_params, std::move(message));
}

Error with_code(Errc code, Error e) {
    e.code = code;
    return e;
}

/// Bounds-checked reading: every accessor returns nullopt past the end.
class Reader {
public:
    explicit Reader(ByteView data) : data_(data) {}
    bool done() const noexcept { return pos_ == data_.size(); }
    std::size_t pos() const noexcept { return pos_; }

    std::optional<ByteView> take(std::size_t n) noexcept {
        if (data_.size() - pos_ < n) return std::nullopt;
        ByteView out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    std::optional<std::uint8_t> u8() noexcept {
        auto b = take(1);
        return b ? std::optional<std::uint8_t>((*b)[0]) : std::nullopt;
    }
    /// A big-endian number of `n` bytes (1 to 4).
    std::optional<std::uint32_t> be(std::size_t n) noexcept {
        auto b = take(n);
        if (!b) return std::nullopt;
        std::uint32_t v = 0;
        for (auto byte : *b) v = v << 8 | byte;
        return v;
    }

private:
    ByteView data_;
    std::size_t pos_ = 0;
};

struct Packet {
    unsigned tag;
    ByteView body;
};

/// Splits a packet sequence (RFC 4880 §4.2: old and new headers; partial and
/// indeterminate lengths are never used for keys or signatures, so refused).
Result<std::vector<Packet>> read_packets(ByteView data) {
    Reader r(data);
    std::vector<Packet> packets;
    while (!r.done()) {
        std::uint8_t head = *r.u8();
        if ((head & 0x80) == 0) return bad("not an OpenPGP packet header");
        unsigned tag = 0;
        std::optional<std::uint32_t> length;
        if (head & 0x40) {
            tag = head & 0x3f;
            auto first = r.u8();
            if (!first) return bad("truncated packet header");
            if (*first < 192) {
                length = *first;
            } else if (*first < 224) {
                auto second = r.u8();
                if (second) length = ((std::uint32_t{*first} - 192) << 8) + *second + 192;
            } else if (*first == 255) {
                length = r.be(4);
            } else {
                return bad("partial-length packets are not supported");
            }
        } else {
            tag = head >> 2 & 0x0f;
            static constexpr std::size_t sizes[] = {1, 2, 4};
            if ((head & 3) == 3) return bad("indeterminate-length packets are not supported");
            length = r.be(sizes[head & 3]);
        }
        if (!length) return bad("truncated packet header");
        auto body = r.take(*length);
        if (!body) return bad("truncated packet");
        packets.push_back({tag, *body});
    }
    if (packets.empty()) return bad("no OpenPGP packets");
    return packets;
}

/// A v4 public-key packet body holding an Ed25519 EdDSA key.
Result<PgpKey> read_key_packet(ByteView body) {
    Reader r(body);
    auto version = r.u8();
    if (!version) return bad("empty key packet");
    if (*version != 4) return bad("only version 4 OpenPGP keys are supported, this is version " + std::to_string(*version));
    if (!r.take(4)) return bad("truncated key packet");  // creation time
    auto algo = r.u8();
    if (!algo) return bad("truncated key packet");
    if (*algo != algo_eddsa) return bad("the key is not an EdDSA key (OpenPGP algorithm " + std::to_string(*algo) + ")");
    auto oid_size = r.u8();
    auto oid = oid_size ? r.take(*oid_size) : std::nullopt;
    if (!oid) return bad("truncated key packet");
    if (!std::equal(oid->begin(), oid->end(), oid_ed25519.begin(), oid_ed25519.end()))
        return bad("the key's curve is not Ed25519");
    auto bits = r.be(2);
    auto point = bits ? r.take((*bits + 7) / 8) : std::nullopt;
    if (!point || point->size() != 33 || (*point)[0] != native_point_prefix || !r.done())
        return bad("malformed Ed25519 key packet");

    PgpKey key;
    std::copy(point->begin() + 1, point->end(), key.ed25519.begin());
    std::uint8_t const header[] = {0x99, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    Bytes fingerprint = digest(EVP_sha1(), {header, body});
    std::copy(fingerprint.begin(), fingerprint.end(), key.fingerprint.begin());
    return key;
}

/// What the subpacket areas of a signature say about who made it and when.
struct SignatureFacts {
    bool has_creation_time = false;
    std::vector<ByteView> issuer_key_ids;
    std::vector<ByteView> issuer_fingerprints;
};

/// Reads one subpacket area (RFC 4880 §5.2.3.1). Unknown critical subpackets
/// are refused, as the RFC requires.
Result<void> read_subpackets(ByteView area, bool hashed, SignatureFacts& facts) {
    Reader r(area);
    while (!r.done()) {
        std::uint8_t first = *r.u8();
        std::optional<std::uint32_t> length;
        if (first < 192) {
            length = first;
        } else if (first < 255) {
            auto second = r.u8();
            if (second) length = ((std::uint32_t{first} - 192) << 8) + *second + 192;
        } else {
            length = r.be(4);
        }
        if (!length || *length == 0) return bad("malformed signature subpacket");
        auto content = r.take(*length);
        if (!content) return bad("truncated signature subpacket");
        std::uint8_t type = (*content)[0] & 0x7f;
        bool critical = ((*content)[0] & 0x80) != 0;
        ByteView data = content->subspan(1);
        if (type == subpacket_creation_time) {
            if (data.size() != 4) return bad("malformed signature creation time");
            facts.has_creation_time = facts.has_creation_time || hashed;
        } else if (type == subpacket_issuer) {
            if (data.size() != 8) return bad("malformed issuer key ID");
            facts.issuer_key_ids.push_back(data);
        } else if (type == subpacket_issuer_fingerprint) {
            if (data.size() != 21 || data[0] != 4) return bad("malformed issuer fingerprint");
            facts.issuer_fingerprints.push_back(data.subspan(1));
        } else if (critical) {
            return bad("the signature has an unknown critical subpacket (type " + std::to_string(type) + ")");
        }
    }
    return {};
}

/// A v4 EdDSA signature packet, split into what verification needs.
struct Signature {
    ByteView hashed_part;  ///< From the version octet to the end of the hashed subpackets.
    std::array<std::uint8_t, 2> left16{};
    std::array<std::uint8_t, 64> r_s{};  ///< R ‖ S, each left-padded to 32 bytes.
    SignatureFacts facts;
};

/// An EdDSA MPI (R or S) into 32 bytes, left-padded.
bool read_scalar(Reader& r, std::uint8_t* out32) {
    auto bits = r.be(2);
    if (!bits || *bits > 256) return false;
    auto value = r.take((*bits + 7) / 8);
    if (!value) return false;
    std::copy(value->begin(), value->end(), out32 + (32 - value->size()));
    return true;
}

Result<Signature> read_signature_packet(ByteView body) {
    Reader r(body);
    auto version = r.u8();
    if (!version) return bad("empty signature packet");
    if (*version != 4) return bad("only version 4 signatures are supported, this is version " + std::to_string(*version));
    auto type = r.u8();
    auto algo = r.u8();
    auto hash = r.u8();
    if (!type || !algo || !hash) return bad("truncated signature packet");
    if (*type != type_canonical_text) return bad("the signature is not a cleartext (canonical text) signature");
    if (*algo != algo_eddsa) return bad("the signature is not an EdDSA signature (algorithm " + std::to_string(*algo) + ")");
    if (*hash != hash_sha256) return bad("the signature does not use SHA-256 (hash algorithm " + std::to_string(*hash) + ")");

    Signature sig;
    auto hashed_size = r.be(2);
    auto hashed = hashed_size ? r.take(*hashed_size) : std::nullopt;
    if (!hashed) return bad("truncated signature packet");
    sig.hashed_part = body.first(r.pos());
    auto unhashed_size = r.be(2);
    auto unhashed = unhashed_size ? r.take(*unhashed_size) : std::nullopt;
    auto left16 = unhashed ? r.take(2) : std::nullopt;
    if (!left16) return bad("truncated signature packet");
    std::copy(left16->begin(), left16->end(), sig.left16.begin());
    if (!read_scalar(r, sig.r_s.data()) || !read_scalar(r, sig.r_s.data() + 32) || !r.done())
        return bad("malformed EdDSA signature values");

    if (auto ok = read_subpackets(*hashed, true, sig.facts); !ok) return ok.error();
    if (auto ok = read_subpackets(*unhashed, false, sig.facts); !ok) return ok.error();
    if (!sig.facts.has_creation_time) return bad("the signature has no creation time");
    return sig;
}

/// The signature must name `key` as issuer, by key ID or fingerprint, and name no other key.
Result<void> check_issuer(SignatureFacts const& facts, PgpKey const& key) {
    if (facts.issuer_key_ids.empty() && facts.issuer_fingerprints.empty())
        return bad("the signature does not name its issuer");
    auto key_id = key.key_id();
    for (auto id : facts.issuer_key_ids)
        if (!std::equal(id.begin(), id.end(), key_id.begin(), key_id.end()))
            return bad("the signature was made by key " + to_hex(id) + ", not by " + to_hex(key_id));
    for (auto fp : facts.issuer_fingerprints)
        if (!std::equal(fp.begin(), fp.end(), key.fingerprint.begin(), key.fingerprint.end()))
            return bad("the signature was made by key " + to_hex(fp) + ", not by " + to_hex(key.fingerprint));
    return {};
}

bool ed25519_verify(PgpKey const& key, ByteView message, ByteView signature) {
    Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.ed25519.data(), key.ed25519.size()));
    MdCtx ctx(EVP_MD_CTX_new());
    if (!pkey || !ctx) return false;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

/// A cleartext-signed message taken apart (RFC 4880 §7).
struct Cleartext {
    std::string canonical;       ///< What was signed: lines joined with CRLF.
    std::string text;            ///< The same lines joined with LF, returned to the caller.
    std::string_view signature;  ///< From the "-----BEGIN PGP SIGNATURE-----" line on.
};

Result<Cleartext> split_cleartext(std::string_view message) {
    std::string_view line;
    do {
        if (message.empty()) return bad("not an OpenPGP signed message");
        line = trim_trailing_space(take_line(message));
    } while (line.empty());
    if (line != "-----BEGIN PGP SIGNED MESSAGE-----") return bad("not an OpenPGP signed message");

    bool names_hash = false;
    for (;;) {
        if (message.empty()) return bad("the signed message ends inside its headers");
        line = trim_trailing_space(take_line(message));
        if (line.empty()) break;
        if (!line.starts_with("Hash: ")) return bad("unexpected header in the signed message");
        std::string_view list = line.substr(6);
        while (!list.empty()) {
            auto comma = list.find(',');
            std::string_view name = list.substr(0, comma);
            while (name.starts_with(' ')) name.remove_prefix(1);
            name = trim_trailing_space(name);
            if (name != "SHA256") return bad("the message is signed with hash " + std::string(name) + ", not SHA256");
            list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        }
        names_hash = true;
    }
    if (!names_hash) return bad("the signed message names no hash algorithm");

    Cleartext out;
    bool first = true;
    for (;;) {
        if (message.empty()) return bad("the signed message has no signature");
        std::string_view const at = message;
        line = take_line(message);
        if (trim_trailing_space(line) == "-----BEGIN PGP SIGNATURE-----") {
            out.signature = at;
            break;
        }
        if (line.starts_with('-')) {
            if (!line.starts_with("- ")) return bad("a line of the signed text is not dash-escaped");
            line.remove_prefix(2);
        }
        line = trim_trailing_space(line);
        if (!first) {
            out.canonical += "\r\n";
            out.text += '\n';
        }
        first = false;
        out.canonical += line;
        out.text += line;
    }
    return out;
}

Result<std::string> verify(std::string_view message, PgpKey const& key) {
    auto clear = split_cleartext(message);
    if (!clear) return clear.error();
    auto armor = dearmor(clear->signature, "SIGNATURE");
    if (!armor) return armor.error();
    if (!is_blank(armor->rest)) return bad("unexpected data after the signature");
    auto packets = read_packets(armor->data);
    if (!packets) return packets.error();
    if (packets->size() != 1 || (*packets)[0].tag != tag_signature)
        return bad("the signature block must hold exactly one signature packet");
    auto sig = read_signature_packet((*packets)[0].body);
    if (!sig) return sig.error();
    if (auto ok = check_issuer(sig->facts, key); !ok) return ok.error();

    std::uint32_t const n = static_cast<std::uint32_t>(sig->hashed_part.size());
    std::uint8_t const trailer[] = {0x04, 0xFF, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                                    static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    Bytes hash = digest(EVP_sha256(), {as_bytes(clear->canonical), sig->hashed_part, trailer});
    if (hash[0] != sig->left16[0] || hash[1] != sig->left16[1])
        return bad("the signature does not match the signed text");
    if (!ed25519_verify(key, hash, sig->r_s)) return bad("the signature does not match the signed text");
    return std::move(clear->text);
}

} // namespace

std::array<std::uint8_t, 8> PgpKey::key_id() const noexcept {
    std::array<std::uint8_t, 8> id{};
    std::copy(fingerprint.end() - 8, fingerprint.end(), id.begin());
    return id;
}

Result<PgpKey> parse_pgp_public_key(std::string_view armored) {
    try {
        auto armor = dearmor(armored, "PUBLIC KEY BLOCK");
        if (!armor) return with_code(Errc::config_invalid, armor.error());
        if (!is_blank(armor->rest)) return fail(Errc::config_invalid, "unexpected data after the OpenPGP key block");
        auto packets = read_packets(armor->data);
        if (!packets) return with_code(Errc::config_invalid, packets.error());
        if ((*packets)[0].tag != tag_public_key)
            return fail(Errc::config_invalid, "the OpenPGP key block does not start with a public key");
        auto key = read_key_packet((*packets)[0].body);
        if (!key) return with_code(Errc::config_invalid, key.error());
        return *key;
    } catch (OpensslError const& e) {
        return fail(Errc::internal, std::string("OpenSSL failed (") + e.what() + ") reading an OpenPGP key");
    }
}

Result<std::string> verify_cleartext_signature(std::string_view message, PgpKey const& key) {
    try {
        auto text = verify(message, key);
        if (!text) return with_code(Errc::api_error, text.error());
        return text;
    } catch (OpensslError const& e) {
        return fail(Errc::internal, std::string("OpenSSL failed (") + e.what() + ") checking an OpenPGP signature");
    }
}

PgpKey pinned_proton_modulus_key() {
    PgpKey key;
    Bytes raw = *from_hex(pinned_key_hex);
    Bytes fingerprint = *from_hex(pinned_fingerprint_hex);
    std::copy(raw.begin(), raw.end(), key.ed25519.begin());
    std::copy(fingerprint.begin(), fingerprint.end(), key.fingerprint.begin());
    return key;
}

} // namespace pvpn::proton
