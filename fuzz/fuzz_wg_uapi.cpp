// wireguard-go's answers on its UAPI socket (daemon/wg/uapi_protocol).
#include "daemon/wg/key.hpp"
#include "daemon/wg/uapi_protocol.hpp"
#include "fuzz/check.hpp"

using namespace pvpn;

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    auto const reply = fuzz::as_text(data, size);
    (void)wg::uapi_reply_complete(reply);
    (void)wg::parse_uapi_set_reply(reply);
    if (auto status = wg::parse_uapi_get_reply(reply))
        for (auto const& peer : status->peers) {
            PVPN_FUZZ_CHECK(wg::decode_key(peer.public_key, "peer").has_value());
            PVPN_FUZZ_CHECK(peer.last_handshake >= 0);
        }
    return 0;
}
