// pvpn: the command-line client of pvpnd (see docs/cli.md).
#include "client/app.hpp"

#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::vector<std::string> const args(argc > 1 ? argv + 1 : argv, argc > 1 ? argv + argc : argv);
    return pvpn::client::run(args);
}
