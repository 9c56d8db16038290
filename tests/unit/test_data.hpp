// Reads the fixed test inputs in tests/data/ (copied there so that the
// repository is self-contained).
#pragma once

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace pvpn::test {

/// The whole of tests/data/<name>; throws (failing the test) when missing.
inline std::string read_test_data(std::string const& name) {
    std::string const path = std::string(PVPN_SOURCE_DIR) + "/tests/data/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("missing test data file " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// tests/data/<name> parsed as JSON.
inline boost::json::value read_test_json(std::string const& name) {
    return boost::json::parse(read_test_data(name));
}

} // namespace pvpn::test
