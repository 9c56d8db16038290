#include "daemon/qbt/qsettings.hpp"

#include <algorithm>

namespace pvpn::qbt {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        if (nl == std::string_view::npos) {
            lines.push_back(text);
            break;
        }
        lines.push_back(text.substr(0, nl));
        text.remove_prefix(nl + 1);
    }
    return lines;
}

/// "Preferences" for "[Preferences]", nullopt for any other line.
std::optional<std::string_view> section_of(std::string_view line) {
    line = trim(line);
    if (line.size() < 2 || line.front() != '[' || line.back() != ']') return std::nullopt;
    return line.substr(1, line.size() - 2);
}

/// The key of a "key=value" line, nullopt for comments and other lines.
std::optional<std::string_view> key_of(std::string_view line) {
    auto t = trim(line);
    if (t.empty() || t.front() == ';' || t.front() == '#' || t.front() == '[') return std::nullopt;
    auto eq = t.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    return trim(t.substr(0, eq));
}

} // namespace

std::optional<std::string> qsettings_get(std::string_view text, std::string_view section, std::string_view key) {
    bool inside = false;
    for (auto line : split_lines(text)) {
        if (auto s = section_of(line)) {
            inside = *s == section;
            continue;
        }
        if (!inside) continue;
        if (auto k = key_of(line); k && *k == key) {
            auto t = trim(line);
            return std::string(trim(t.substr(t.find('=') + 1)));
        }
    }
    return std::nullopt;
}

std::string qsettings_set(std::string_view text, std::string_view section,
                          std::vector<std::pair<std::string, std::string>> const& values) {
    auto lines = split_lines(text);
    std::vector<std::string> out;
    std::vector<bool> done(values.size(), false);
    auto render = [](std::pair<std::string, std::string> const& kv) { return kv.first + "=" + kv.second; };
    auto index_of = [&values](std::string_view key) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < values.size(); ++i)
            if (values[i].first == key) return i;
        return std::nullopt;
    };
    auto append_missing = [&](std::size_t at) {
        std::vector<std::string> missing;
        for (std::size_t i = 0; i < values.size(); ++i)
            if (!done[i]) {
                missing.push_back(render(values[i]));
                done[i] = true;
            }
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), missing.begin(), missing.end());
    };

    bool inside = false, found_section = false;
    std::size_t insert_at = 0;  ///< After the wanted section's last key line.
    for (auto line : lines) {
        if (auto s = section_of(line)) {
            if (inside) append_missing(insert_at);
            inside = *s == section;
            if (inside) {
                found_section = true;
                insert_at = out.size() + 1;
            }
            out.emplace_back(line);
            continue;
        }
        if (inside) {
            if (auto k = key_of(line)) {
                if (auto i = index_of(*k)) {
                    if (!done[*i]) {
                        out.push_back(render(values[*i]));
                        done[*i] = true;
                        insert_at = out.size();
                    }
                    continue;  // a repeated key: keep only the first
                }
                out.emplace_back(line);
                insert_at = out.size();
                continue;
            }
        }
        out.emplace_back(line);
    }
    if (inside) append_missing(insert_at);
    if (!found_section) {
        if (!out.empty() && !trim(out.back()).empty()) out.emplace_back();
        out.push_back("[" + std::string(section) + "]");
        append_missing(out.size());
    }
    std::string result;
    for (auto const& l : out) {
        result += l;
        result += '\n';
    }
    return result;
}

} // namespace pvpn::qbt
