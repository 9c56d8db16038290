#include "common/ini.hpp"

#include <map>
#include <utility>

namespace pvpn::ini {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view ltrim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    return s;
}

std::string_view rtrim(std::string_view s) {
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view trim(std::string_view s) { return ltrim(rtrim(s)); }

bool is_comment_start(char c) { return c == '#' || c == ';'; }

/// Index in `rest` where a trailing comment starts (at the blank run before
/// it), or npos. A comment is `#` or `;` at the start or after a blank.
std::size_t trailing_comment_at(std::string_view rest) {
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (!is_comment_start(rest[i])) continue;
        if (i != 0 && !is_blank(rest[i - 1])) continue;
        while (i > 0 && is_blank(rest[i - 1])) --i;
        return i;
    }
    return std::string_view::npos;
}

std::string location(std::string_view source, std::size_t line) {
    if (source.empty()) return "line " + std::to_string(line) + ": ";
    return std::string(source) + ":" + std::to_string(line) + ": ";
}

} // namespace

bool valid_name(std::string_view name) {
    if (name.empty() || is_comment_start(name.front())) return false;
    for (unsigned char c : name)
        if (c <= ' ' || c >= 127 || c == '=' || c == '[' || c == ']') return false;
    return true;
}

Result<IniDocument> parse(std::string_view text, std::string_view source, InlineCommentRule inline_comments) {
    IniDocument doc;
    doc.inline_comments_ = std::move(inline_comments);
    std::string section;
    bool in_section = false;
    std::size_t number = 0;
    // Line numbers seen so far, for duplicate checks in O(log n) per line.
    std::map<std::string, std::size_t, std::less<>> headers;
    std::map<std::pair<std::string, std::string>, std::size_t> entries;
    while (!text.empty()) {
        ++number;
        auto newline = text.find('\n');
        std::string_view raw = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);

        IniDocument::Line line;
        line.eol = newline == std::string_view::npos ? "" : "\n";
        if (!raw.empty() && raw.back() == '\r' && !line.eol.empty()) {
            raw.remove_suffix(1);
            line.eol = "\r\n";
        }
        auto where = [&] { return location(source, number); };
        if (raw.find('\0') != std::string_view::npos)
            return fail(Errc::config_invalid, where() + "contains a NUL byte");

        // A UTF-8 byte order mark (some editors add one) stays in the text
        // but is not part of the first line's syntax.
        auto body = trim(number == 1 && raw.starts_with("\xEF\xBB\xBF") ? raw.substr(3) : raw);
        line.section = section;
        line.prefix = std::string(raw);
        if (body.empty() || is_comment_start(body.front())) {
            doc.lines_.push_back(std::move(line));
            continue;
        }
        if (body.front() == '[') {
            auto close = body.find(']');
            if (close == std::string_view::npos)
                return fail(Errc::config_invalid, where() + "expected ']' to close the section name");
            auto after = trim(body.substr(close + 1));
            if (!after.empty() && !is_comment_start(after.front()))
                return fail(Errc::config_invalid, where() + "unexpected text after ']'");
            auto name = trim(body.substr(1, close - 1));
            if (name.empty()) return fail(Errc::config_invalid, where() + "empty section name");
            auto [first, fresh] = headers.emplace(std::string(name), number);
            if (!fresh)
                return fail(Errc::config_invalid, where() + "section [" + std::string(name) +
                                                      "] appears twice (first on line " +
                                                      std::to_string(first->second) + ")");
            section = std::string(name);
            in_section = true;
            line.kind = IniDocument::Kind::section;
            line.section = section;
            line.key = section;
            doc.lines_.push_back(std::move(line));
            continue;
        }
        auto eq = raw.find('=');
        if (eq == std::string_view::npos) return fail(Errc::config_invalid, where() + "expected 'key = value'");
        auto key = trim(raw.substr(0, eq));
        if (key.empty()) return fail(Errc::config_invalid, where() + "empty key before '='");
        if (!in_section)
            return fail(Errc::config_invalid,
                        where() + "key '" + std::string(key) + "' comes before any [section]");
        auto [first, fresh] = entries.emplace(std::pair(section, std::string(key)), number);
        if (!fresh)
            return fail(Errc::config_invalid, where() + "key '" + std::string(key) + "' appears twice in [" +
                                                  section + "] (first on line " + std::to_string(first->second) +
                                                  ")");

        auto rest = raw.substr(eq + 1);
        auto value_end = rest.size();
        if (doc.comments_allowed(section, key)) value_end = std::min(value_end, trailing_comment_at(rest));
        auto value = trim(rest.substr(0, value_end));
        std::size_t value_start = value.empty() ? 0 : static_cast<std::size_t>(value.data() - rest.data());
        // An empty value keeps everything after '=' in the suffix so that a
        // later set() can put the value right after the '='.
        line.kind = IniDocument::Kind::entry;
        line.key = std::string(key);
        line.prefix = std::string(raw.substr(0, eq + 1 + value_start));
        line.value = std::string(value);
        line.suffix = std::string(rest.substr(value_start + value.size()));
        doc.lines_.push_back(std::move(line));
    }
    return doc;
}

bool IniDocument::comments_allowed(std::string_view section, std::string_view key) const {
    return inline_comments_ && inline_comments_(section, key);
}

std::optional<std::size_t> IniDocument::find_entry(std::string_view section, std::string_view key) const {
    for (std::size_t i = 0; i < lines_.size(); ++i)
        if (lines_[i].kind == Kind::entry && lines_[i].section == section && lines_[i].key == key) return i;
    return std::nullopt;
}

std::optional<std::size_t> IniDocument::find_header(std::string_view section) const {
    for (std::size_t i = 0; i < lines_.size(); ++i)
        if (lines_[i].kind == Kind::section && lines_[i].key == section) return i;
    return std::nullopt;
}

std::optional<std::string> IniDocument::get(std::string_view section, std::string_view key) const {
    if (auto i = find_entry(section, key)) return lines_[*i].value;
    return std::nullopt;
}

std::optional<std::size_t> IniDocument::line_of(std::string_view section, std::string_view key) const {
    if (auto i = find_entry(section, key)) return *i + 1;
    return std::nullopt;
}

std::optional<std::size_t> IniDocument::section_line(std::string_view section) const {
    if (auto i = find_header(section)) return *i + 1;
    return std::nullopt;
}

bool IniDocument::has_section(std::string_view section) const { return find_header(section).has_value(); }

std::vector<std::string> IniDocument::sections() const {
    std::vector<std::string> out;
    for (auto const& l : lines_)
        if (l.kind == Kind::section) out.push_back(l.key);
    return out;
}

std::vector<std::string> IniDocument::keys(std::string_view section) const {
    std::vector<std::string> out;
    for (auto const& l : lines_)
        if (l.kind == Kind::entry && l.section == section) out.push_back(l.key);
    return out;
}

std::string IniDocument::new_line_ending() const {
    // Follow the file's own convention, judged by its first line.
    if (!lines_.empty() && lines_.front().eol == "\r\n") return "\r\n";
    return "\n";
}

Result<void> IniDocument::set(std::string_view section, std::string_view key, std::string_view value) {
    if (!valid_name(section))
        return fail(Errc::invalid_params, "invalid section name '" + std::string(section) + "'");
    if (!valid_name(key)) return fail(Errc::invalid_params, "invalid key '" + std::string(key) + "'");
    std::string const label = "[" + std::string(section) + "] " + std::string(key);
    for (char c : value)
        if (c == '\n' || c == '\r' || c == '\0')
            return fail(Errc::invalid_params, label + ": the value must be on one line");
    if (!value.empty() && (is_blank(value.front()) || is_blank(value.back())))
        return fail(Errc::invalid_params, label + ": the value must not start or end with a blank");
    if (comments_allowed(section, key) && trailing_comment_at(value) != std::string_view::npos)
        return fail(Errc::invalid_params, label + ": the value must not contain '#' or ';' after a blank");

    if (auto i = find_entry(section, key)) {
        auto& line = lines_[*i];
        if (line.value == value) return {};
        bool suffix_blank = trim(line.suffix).empty();
        if (line.value.empty() && !value.empty()) {
            // "key =" or "key =   # note": the value goes after "= ".
            line.prefix += ' ';
            line.suffix = suffix_blank ? std::string() : " " + std::string(ltrim(line.suffix));
        } else if (value.empty() && suffix_blank) {
            // "key = old" becomes "key =", without a dangling blank.
            line.prefix = std::string(rtrim(line.prefix));
            line.suffix.clear();
        }
        line.value = std::string(value);
        return {};
    }

    auto const eol = new_line_ending();
    Line entry;
    entry.kind = Kind::entry;
    entry.section = std::string(section);
    entry.key = std::string(key);
    entry.prefix = std::string(key) + (value.empty() ? " =" : " = ");
    entry.value = std::string(value);
    entry.eol = eol;

    if (auto header = find_header(section)) {
        std::size_t at = *header;
        for (std::size_t i = *header + 1; i < lines_.size() && lines_[i].section == section; ++i)
            if (lines_[i].kind == Kind::entry) at = i;
        if (lines_[at].eol.empty()) lines_[at].eol = eol;
        lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(at + 1), std::move(entry));
        return {};
    }

    if (!lines_.empty()) {
        if (lines_.back().eol.empty()) lines_.back().eol = eol;
        if (!trim(lines_.back().prefix).empty() || lines_.back().kind != Kind::other) {
            Line blank;
            blank.section = lines_.back().section;
            blank.eol = eol;
            lines_.push_back(std::move(blank));
        }
    }
    Line head;
    head.kind = Kind::section;
    head.section = std::string(section);
    head.key = std::string(section);
    head.prefix = "[" + std::string(section) + "]";
    head.eol = eol;
    lines_.push_back(std::move(head));
    lines_.push_back(std::move(entry));
    return {};
}

std::string IniDocument::render() const {
    std::string out;
    for (auto const& l : lines_) {
        out += l.prefix;
        if (l.kind == Kind::entry) {
            out += l.value;
            out += l.suffix;
        }
        out += l.eol;
    }
    return out;
}

} // namespace pvpn::ini
