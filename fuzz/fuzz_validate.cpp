// proto/validate: the checks of user-supplied values shared by pvpn and pvpnd.
#include "fuzz/check.hpp"
#include "proto/validate.hpp"

#include <array>
#include <cctype>
#include <string>
#include <utility>

using namespace pvpn;

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    auto const text = fuzz::as_text(data, size);

    if (auto cc = proto::normalize_country(text)) {
        PVPN_FUZZ_CHECK(cc->size() == 2);
        for (unsigned char c : *cc) PVPN_FUZZ_CHECK(c >= 'A' && c <= 'Z');
    }
    (void)proto::parse_bool(text);
    (void)proto::valid_fastest(text);
    if (proto::valid_http_url(text)) PVPN_FUZZ_CHECK(text.starts_with("http://") || text.starts_with("https://"));

    // The ranges the daemon uses, and a few awkward ones.
    constexpr std::array<std::pair<long, long>, 6> ranges{{
        {1, 65535}, {1, 100}, {0, 999999}, {1, 86400}, {-10, 10}, {-2147483648L, 2147483647L}}};
    for (auto [lo, hi] : ranges) {
        if (auto n = proto::parse_int_in(text, lo, hi)) {
            PVPN_FUZZ_CHECK(*n >= lo && *n <= hi);
            auto canonical = proto::parse_int_in(std::to_string(*n), lo, hi);
            PVPN_FUZZ_CHECK(canonical && *canonical == *n);
        }
    }
    return 0;
}
