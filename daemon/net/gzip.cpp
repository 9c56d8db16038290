#include "daemon/net/gzip.hpp"

#include <boost/beast/zlib/error.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>

#include <algorithm>
#include <array>

namespace pvpn::net {
namespace zlib = boost::beast::zlib;

namespace {

constexpr std::uint8_t flag_hcrc = 0x02, flag_extra = 0x04, flag_name = 0x08, flag_comment = 0x10;
constexpr std::size_t header_size = 10, trailer_size = 8;
constexpr std::size_t step = 256 * 1024;

Error bad(std::string const& why) { return fail(Errc::network, "malformed gzip reply: " + why); }

std::uint32_t le32(std::string_view d, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<std::uint8_t>(d[at])) |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(d[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(d[at + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(d[at + 3])) << 24;
}

/// Where the deflate data starts, after the fixed header and its optional fields.
Result<std::size_t> skip_header(std::string_view d) {
    if (d.size() < header_size + trailer_size) return bad("too short");
    if (static_cast<std::uint8_t>(d[0]) != 0x1f || static_cast<std::uint8_t>(d[1]) != 0x8b)
        return bad("not gzip data");
    if (d[2] != 8) return bad("unknown compression method");
    auto const flags = static_cast<std::uint8_t>(d[3]);
    std::size_t at = header_size;
    if (flags & flag_extra) {
        if (d.size() < at + 2) return bad("truncated header");
        at += 2 + (static_cast<std::size_t>(static_cast<std::uint8_t>(d[at])) |
                   static_cast<std::size_t>(static_cast<std::uint8_t>(d[at + 1])) << 8);
    }
    for (auto field : {flag_name, flag_comment}) {
        if (!(flags & field)) continue;
        auto end = d.find('\0', at);
        if (end == std::string_view::npos) return bad("truncated header");
        at = end + 1;
    }
    if (flags & flag_hcrc) at += 2;
    if (at + trailer_size > d.size()) return bad("truncated header");
    return at;
}

} // namespace

std::uint32_t crc32(std::string_view data) {
    static std::array<std::uint32_t, 256> const table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (char ch : data) c = table[(c ^ static_cast<std::uint8_t>(ch)) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

Result<std::string> gunzip(std::string_view data, std::size_t max_size) {
    auto start = skip_header(data);
    if (!start) return start.error();
    zlib::inflate_stream inflater;
    inflater.reset(15);
    zlib::z_params zs;
    zs.avail_out = 0;
    zs.next_in = data.data() + *start;
    zs.avail_in = data.size() - *start;
    std::string out;
    // The trailer says how long the data is (mod 2^32): one allocation of the
    // right size (and a byte to spare, so the end of the stream is read in the
    // same pass) instead of growing a 13 MB list step by step.
    std::size_t const said = le32(data, data.size() - 4);
    if (said < max_size) {
        out.resize(said + 1);
        zs.avail_out = out.size();
    }
    for (;;) {
        std::size_t const have = out.size() - zs.avail_out;
        if (zs.avail_out == 0) {
            if (have >= max_size) return bad("larger than " + std::to_string(max_size / (1024 * 1024)) + " MiB");
            out.resize(std::min(have + step, max_size));
            zs.avail_out = out.size() - have;
        }
        zs.next_out = out.data() + have;
        boost::system::error_code ec;
        inflater.write(zs, zlib::Flush::none, ec);
        if (ec == zlib::error::end_of_stream) break;
        if (ec && ec != zlib::error::need_buffers) return bad(ec.message());
        if (ec == zlib::error::need_buffers && zs.avail_out != 0) return bad("truncated data");
    }
    out.resize(out.size() - zs.avail_out);
    std::size_t const used = data.size() - zs.avail_in;
    if (data.size() - used < trailer_size) return bad("truncated trailer");
    if (le32(data, used) != crc32(out)) return bad("CRC-32 mismatch");
    if (le32(data, used + 4) != static_cast<std::uint32_t>(out.size())) return bad("length mismatch");
    return out;
}

} // namespace pvpn::net
