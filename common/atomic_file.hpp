// Small-file I/O for settings and state: whole-file reads with a size cap and
// crash-safe replacement, so a reader (or a crash) sees either the old file or
// the new one, never a mix.
#pragma once

#include "common/error.hpp"

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pvpn {

/// Who a file written for another user belongs to.
struct FileOwner {
    uid_t uid = 0;
    gid_t gid = 0;
};

/// Replaces `path` with `contents`: writes a new file in the same directory
/// (created with O_EXCL|O_NOFOLLOW, so it never writes through a symlink, and
/// given `mode` before any byte is written, whatever the umask), fsyncs it,
/// renames it over `path` and fsyncs the directory. If `path` is a symlink,
/// the link itself is replaced, not its target. On failure the temporary file
/// is removed and the error (Errc::internal) names `path` and the system's
/// reason; `path` itself is then untouched. With `owner`, the new file is
/// given to that user and group before it replaces `path` (needs root).
Result<void> write_file_atomic(std::filesystem::path const& path, std::string_view contents, mode_t mode,
                               std::optional<FileOwner> owner = std::nullopt);

/// Reads a whole regular file of at most `max_bytes`; a missing file is an error.
Result<std::string> read_file(std::filesystem::path const& path, std::size_t max_bytes);

/// Like read_file, but a missing file (or missing directory) is nullopt.
Result<std::optional<std::string>> read_file_if_exists(std::filesystem::path const& path, std::size_t max_bytes);

/// Creates `path` (and missing parents) with `mode`. The directory, new or
/// old, must be owned by the effective user; if it grants more than `mode`, its
/// mode becomes `mode`. Parents that already exist are left as they are.
/// Fails (Errc::internal) otherwise.
Result<void> ensure_private_dir(std::filesystem::path const& path, mode_t mode = 0700);

} // namespace pvpn
