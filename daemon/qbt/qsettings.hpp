// Line-level reading and editing of qBittorrent.conf, a Qt QSettings INI file
// ("[Preferences]" sections, keys such as `WebUI\Port`, values possibly
// quoted). Only the lines of the keys being set change; every other line,
// comment and unknown key stays as it was. Pure: text in, text out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpn::qbt {

/// The raw value of `key` in `[section]` (what follows '=', trimmed, quotes
/// kept), or nullopt when the key is absent.
std::optional<std::string> qsettings_get(std::string_view text, std::string_view section, std::string_view key);

/// `text` with every key of `values` set in `[section]`: an existing line is
/// replaced in place (a repeated key: its first line, the others dropped), a
/// new key goes after the section's last key, a missing section is appended at
/// the end. The result ends with a newline.
std::string qsettings_set(std::string_view text, std::string_view section,
                          std::vector<std::pair<std::string, std::string>> const& values);

} // namespace pvpn::qbt
