// What a fuzz target may assert besides "no crash": the promises a parser's
// header makes (round trips, ranges). A broken promise aborts, and libFuzzer
// keeps the input that broke it, like any other crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace pvpn::fuzz {

[[noreturn]] inline void check_failed(char const* what, char const* file, int line) {
    std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
    std::abort();
}

/// The fuzzer's bytes as text.
inline std::string_view as_text(unsigned char const* data, std::size_t size) {
    return {reinterpret_cast<char const*>(data), size};
}

} // namespace pvpn::fuzz

#define PVPN_FUZZ_CHECK(condition) \
    ((condition) ? void() : ::pvpn::fuzz::check_failed(#condition, __FILE__, __LINE__))
