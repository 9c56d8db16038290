// An INI document that round-trips: what it does not change, it writes back
// byte for byte (comments, blank lines, spacing, key order, unknown keys and
// sections, CRLF line ends, a missing final newline).
//
// Syntax (the one config.ini uses, see docs/config.md):
//   - `[section]` starts a section; a comment may follow the `]`.
//   - `key = value`: the key is the text before the first `=`, the value the
//     rest of the line; both are trimmed of blanks. Keys and section names are
//     case-sensitive. There is no quoting and no continuation line.
//   - A line whose first non-blank character is `#` or `;` is a comment.
//   - A comment after a value ("trailing comment": blanks, then `#` or `;`) is
//     recognised only for keys the caller's InlineCommentRule names. For every
//     other key the whole rest of the line is the value, so a password may
//     contain `#` and `;` (`pass = a;b # c` has the value "a;b # c").
//   - A UTF-8 byte order mark at the start is kept and otherwise ignored.
//   - Errors: a key before the first section, a line that is neither a section,
//     a comment, blank nor `key = value`, an empty key, a key twice in one
//     section, a section twice.
#pragma once

#include "common/error.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpn::ini {

/// Says whether `key` in `section` may carry a trailing comment. Give it only
/// for values that cannot contain blanks followed by `#` or `;` (numbers,
/// booleans, URLs...), or such a value would be cut short.
using InlineCommentRule = std::function<bool(std::string_view section, std::string_view key)>;

/// The text of a parsed INI file plus an index of its sections and keys.
class IniDocument {
public:
    /// An empty document (renders as "").
    IniDocument() = default;

    /// Value of `key` in `section` (trimmed, without a recognised trailing
    /// comment); nullopt if the section or key is absent.
    std::optional<std::string> get(std::string_view section, std::string_view key) const;

    /// 1-based line number of `key` in `section`, if present.
    std::optional<std::size_t> line_of(std::string_view section, std::string_view key) const;

    /// 1-based line number of the `[section]` header, if present.
    std::optional<std::size_t> section_line(std::string_view section) const;

    bool has_section(std::string_view section) const;

    /// Section names in file order.
    std::vector<std::string> sections() const;

    /// Keys of `section` in file order (empty if the section is absent).
    std::vector<std::string> keys(std::string_view section) const;

    /// Sets `key` in `section`. An existing line keeps its key spelling,
    /// spacing and trailing comment; only the value changes. A new key goes
    /// after the last key of its section; a new section goes at the end of the
    /// document. Refuses (invalid_params) a value that would not read back as
    /// itself: one with a line break or NUL, leading or trailing blanks, or, for
    /// a key with trailing comments, a blank followed by `#` or `;`. Also
    /// refuses an invalid key or section name.
    Result<void> set(std::string_view section, std::string_view key, std::string_view value);

    /// The document as text: the original bytes wherever nothing was set.
    std::string render() const;

private:
    friend Result<IniDocument> parse(std::string_view, std::string_view, InlineCommentRule);

    enum class Kind { other, section, entry };

    /// One physical line. For an entry, render = prefix + value + suffix + eol,
    /// where prefix runs up to the value ("key = ") and suffix holds blanks and
    /// the trailing comment. Other lines keep their text in prefix.
    struct Line {
        Kind kind = Kind::other;
        std::string section;  ///< Section the line belongs to ("" before the first).
        std::string key;      ///< Entry key, or the section name of a header.
        std::string prefix;
        std::string value;
        std::string suffix;
        std::string eol;      ///< "\n", "\r\n" or "" (last line without newline).
    };

    std::optional<std::size_t> find_entry(std::string_view section, std::string_view key) const;
    std::optional<std::size_t> find_header(std::string_view section) const;
    bool comments_allowed(std::string_view section, std::string_view key) const;
    std::string new_line_ending() const;

    std::vector<Line> lines_;
    InlineCommentRule inline_comments_;
};

/// Parses `text`. Errors (Errc::config_invalid) start with "<source>:<line>: "
/// or, when `source` is empty, "line <line>: ", e.g.
/// "line 7: expected 'key = value'".
Result<IniDocument> parse(std::string_view text, std::string_view source = {},
                          InlineCommentRule inline_comments = {});

/// Whether `name` may be a key or section name: printable ASCII without blanks,
/// '=', '[', ']', and not starting with '#' or ';'.
bool valid_name(std::string_view name);

} // namespace pvpn::ini
