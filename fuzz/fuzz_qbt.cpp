// qBittorrent's WebUI answers (daemon/qbt/qbittorrent): app/version,
// app/preferences and torrents/info.
#include "daemon/qbt/qbittorrent.hpp"
#include "fuzz/check.hpp"

using namespace pvpn;

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    auto const body = fuzz::as_text(data, size);
    if (auto version = qbt::parse_version(body)) (void)qbt::paused_filter(*version);
    (void)qbt::parse_preferences(body);
    if (auto torrents = qbt::parse_torrents(body))
        for (auto const& t : *torrents) PVPN_FUZZ_CHECK(!t.hash.empty());
    return 0;
}
