// config.ini as pvpnd loads it: common/ini parses the text, build_config
// validates every key, config_warnings names the unknown ones. The INI
// document's promises are checked too: it renders back byte for byte, and a
// value set() accepts reads back as itself.
#include "common/ini.hpp"
#include "daemon/core/config.hpp"
#include "fuzz/check.hpp"

#include <string>

using namespace pvpn;

namespace {

/// set() `value` for `section`.`key`; if accepted, the file must read back with it.
void check_set(ini::IniDocument doc, std::string_view section, std::string_view key, std::string_view value) {
    if (!doc.set(section, key, value)) return;
    auto reread = ini::parse(doc.render(), {}, core::config_comment_rule());
    PVPN_FUZZ_CHECK(reread.has_value());
    PVPN_FUZZ_CHECK(reread->get(section, key) == std::string(value));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(unsigned char const* data, std::size_t size) {
    auto const text = fuzz::as_text(data, size);
    auto doc = ini::parse(text, "config.ini", core::config_comment_rule());
    if (!doc) return 0;
    PVPN_FUZZ_CHECK(doc->render() == text);

    (void)core::build_config(*doc, "/root/.pvpn-cli/pvpn/config.ini", "/root/.pvpn-cli/pvpn");
    (void)core::config_warnings(*doc, "/root/.pvpn-cli/pvpn/config.ini");

    // The first line as a value, for a key with trailing comments (a number),
    // one without (a password), an existing key and a new one.
    auto const first = text.substr(0, text.find('\n'));
    check_set(*doc, "network", "threshold_default", first);
    check_set(*doc, "protonvpn", "pass", first);
    int budget = 4;  // keeps large inputs fast: each check re-parses the file
    for (auto const& section : doc->sections())
        for (auto const& key : doc->keys(section)) {
            if (--budget < 0) break;
            check_set(*doc, section, key, first);
            check_set(*doc, section, key, "");
        }
    check_set(*doc, "fuzz", "new_key", first);
    return 0;
}
