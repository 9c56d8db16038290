// Sets of IP prefixes in the canonical form nft prints them in, so that a
// rendered rule and the kernel's listing of it are the same text.
#pragma once

#include "daemon/net/prefix.hpp"

#include <string>
#include <vector>

namespace pvpn::firewall {

/// The elements of `prefixes` (one address family) as nft lists an interval
/// set: host bits cleared, sorted, overlapping and adjacent prefixes merged;
/// each element written as an address ("10.0.0.1"), a prefix ("10.0.0.0/8")
/// or, when the merged interval is no prefix, a range ("10.0.0.0-10.0.2.255").
std::vector<std::string> canonical_elements(std::vector<net::IpPrefix> const& prefixes);

/// One match value: a lone element as is, several as "{ a, b }".
std::string nft_value(std::vector<std::string> const& elements);

} // namespace pvpn::firewall
