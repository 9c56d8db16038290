#include "daemon/wg/key.hpp"

#include "common/base64.hpp"
#include "common/bytes.hpp"

#include <algorithm>

#include <string.h>

namespace pvpn::wg {

Result<RawKey> decode_key(std::string_view base64, std::string_view what) {
    auto bytes = base64_decode(base64);
    if (!bytes || bytes->size() != RawKey{}.size()) {
        if (bytes) wipe(*bytes);
        return fail(Errc::invalid_params, "the WireGuard " + std::string(what) + " is not a 32-byte base64 key");
    }
    RawKey key;
    std::copy(bytes->begin(), bytes->end(), key.begin());
    wipe(*bytes);
    return key;
}

void wipe_key(RawKey& key) noexcept { ::explicit_bzero(key.data(), key.size()); }

std::string encode_key(RawKey const& key) { return base64_encode(ByteView(key.data(), key.size())); }

} // namespace pvpn::wg
