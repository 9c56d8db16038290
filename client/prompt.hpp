// Questions on the user's terminal, for `pvpn init` and the 2FA retry of
// `pvpn connect`. Questions go to stderr so that stdout stays clean for --json.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pvpn::client {

/// Where answers come from; the real one is the terminal, tests use a fake.
class Terminal {
public:
    virtual ~Terminal() = default;

    /// Shows `question` and reads one line (without its newline). With
    /// `secret` the answer is not echoed. Nothing at end of input.
    virtual std::optional<std::string> ask(std::string_view question, bool secret) = 0;

    /// Shows one line of information.
    virtual void say(std::string_view line) = 0;
};

/// The process's terminal: stderr for questions, stdin for answers.
class TtyTerminal : public Terminal {
public:
    std::optional<std::string> ask(std::string_view question, bool secret) override;
    void say(std::string_view line) override;
};

/// True when stdin is a terminal (so prompting is possible).
bool stdin_is_terminal();

} // namespace pvpn::client
