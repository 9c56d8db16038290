// Replacing a file that may be a bind mount. /etc/resolv.conf is one in
// containers and in `ip netns exec` namespaces: rename(2) over it fails with
// EBUSY, yet writing it in place works. So: atomically (temporary file,
// fsync, rename) when the system allows it, in place otherwise.
#pragma once

#include "common/error.hpp"

#include <filesystem>
#include <string_view>

namespace pvpn::dns {

enum class ReplaceMethod {
    renamed,   ///< A new file was renamed over the old one (readers see old or new).
    in_place,  ///< The file was truncated and rewritten (a bind mount, or a read-only directory).
};

/// Replaces the contents of the existing regular file `path` (a symlink is
/// followed to its target), keeping its mode. Fails (Errc::internal) naming
/// the file and the reason.
Result<ReplaceMethod> replace_file(std::filesystem::path const& path, std::string_view contents);

} // namespace pvpn::dns
