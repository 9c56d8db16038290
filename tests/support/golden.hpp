// Golden files: expected outputs kept in tests/golden/. A test compares its
// output with the file; PVPN_UPDATE_GOLDEN=1 rewrites the file instead (then
// review the diff before committing it).
#pragma once

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace pvpn::test {

/// tests/golden/<name>.
inline std::string golden_path(std::string const& name) {
    return std::string(PVPN_SOURCE_DIR) + "/tests/golden/" + name;
}

/// The golden file's text, or nullopt when it does not exist.
inline std::optional<std::string> read_golden(std::string const& name) {
    std::ifstream in(golden_path(name), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// True when the run should rewrite golden files rather than compare.
inline bool updating_golden() {
    auto const* v = std::getenv("PVPN_UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

/// Writes `text` as the golden file `name`.
inline void write_golden(std::string const& name, std::string const& text) {
    std::ofstream(golden_path(name), std::ios::binary) << text;
}

} // namespace pvpn::test
